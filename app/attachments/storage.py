"""Where attachment bytes live, behind one interface: a folder under DATA_DIR by default, or any
S3-compatible store (`STORAGE_URL=s3://bucket/prefix`, with `S3_ENDPOINT_URL` and keys) through obstore,
which also signs the short-lived download URLs a client is redirected to."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit

SIGNED_URL_TTL = timedelta(minutes=5)


class Storage(Protocol):
    async def put(self, key: str, data: bytes, *, content_type: str, filename: str) -> None: ...

    def local_path(self, key: str) -> Path | None:
        """The file on this host's disk, when there is one (served straight from it)."""
        ...

    async def signed_url(self, key: str) -> str | None:
        """A short-lived URL the client may fetch the bytes from, when the store can sign one."""
        ...

    async def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"storage key outside the folder: {key!r}")
        return path

    async def put(self, key: str, data: bytes, *, content_type: str, filename: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.partial")
        partial.write_bytes(data)
        os.replace(partial, path)  # a reader never sees half a file

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def signed_url(self, key: str) -> str | None:
        return None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class S3Storage:
    def __init__(
        self,
        url: str,
        *,
        endpoint: str | None,
        access_key_id: str | None,
        secret_access_key: str | None,
        region: str,
    ) -> None:
        from obstore.store import S3Store

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError("STORAGE_URL must look like s3://bucket/prefix")
        self.store = S3Store(
            parts.netloc,
            prefix=parts.path.strip("/") or None,
            endpoint=endpoint,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            region=region,
            allow_http=bool(endpoint and endpoint.startswith("http://")),
            virtual_hosted_style_request=False,
        )

    async def put(self, key: str, data: bytes, *, content_type: str, filename: str) -> None:
        import obstore

        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        await obstore.put_async(
            self.store,
            key,
            data,
            attributes={"Content-Type": content_type, "Content-Disposition": disposition},
        )

    def local_path(self, key: str) -> Path | None:
        return None

    async def signed_url(self, key: str) -> str | None:
        import obstore

        return str(await obstore.sign_async(self.store, "GET", key, SIGNED_URL_TTL))

    async def delete(self, key: str) -> None:
        import obstore

        await obstore.delete_async(self.store, key)


def storage_for(
    storage_url: str | None,
    data_dir: str,
    *,
    endpoint: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    region: str = "us-east-1",
) -> Storage:
    """The storage the settings name (the app keeps it as `app.state.storage`)."""
    if storage_url:
        return S3Storage(
            storage_url,
            endpoint=endpoint,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            region=region,
        )
    return LocalStorage(Path(data_dir) / "attachments")
