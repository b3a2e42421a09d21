"""The floors a request's cost is measured against (issue 15), served by bench/ itself.

- `GET /floor/bytes`: a bare FastAPI app answering fixed bytes (the API's own task-types body), the
  least any JSON endpoint on this stack can cost;
- `GET /floor/select1`: bare FastAPI + SQLAlchemy (async, psycopg 3, a pool as large as the API's),
  one `SELECT 1` per request: the least any endpoint that reads the database can cost.

Both run under uvicorn with the API's own flags, one process, in a subprocess (`FloorServer`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

import httpx
from fastapi import FastAPI, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.harness import PROJECT_ROOT, free_port

BYTES = "/floor/bytes"
SELECT_1 = "/floor/select1"


def create_app() -> FastAPI:
    """The floors' app (uvicorn factory); FLOOR_BODY_FILE holds the bytes, DATABASE_URL the database."""
    body = Path(os.environ["FLOOR_BODY_FILE"]).read_bytes()
    engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=10, max_overflow=10)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get(BYTES)
    async def fixed_bytes() -> Response:
        return Response(body, media_type="application/json")

    @app.get(SELECT_1)
    async def select_1() -> Response:
        async with engine.connect() as conn:
            value = await conn.scalar(text("SELECT 1"))
        return Response(b'{"value":%d}' % value, media_type="application/json")

    return app


class FloorServer:
    """The floors' app on a free port, until the block ends."""

    def __init__(self, database_url: str, body: bytes) -> None:
        self.database_url, self.body, self.port = database_url, body, free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._tmp = tempfile.TemporaryDirectory()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        body_file = Path(self._tmp.name) / "body.json"
        body_file.write_bytes(self.body)
        env = {**os.environ, "FLOOR_BODY_FILE": str(body_file), "DATABASE_URL": self.database_url}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                *("-m", "uvicorn", "bench.floors:create_app", "--factory"),
                *("--host", "127.0.0.1", "--port", str(self.port)),
                *("--no-access-log", "--no-server-header", "--no-proxy-headers", "--log-level", "warning"),
            ],
            cwd=PROJECT_ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + SELECT_1, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the floor server did not start within 30 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self._tmp.cleanup()
