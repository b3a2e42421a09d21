"""The S3 path, against an S3-compatible server started in the test (moto's): the bytes go to the bucket
with their type and name, a download is a 307 to a pre-signed URL that serves them, deletion removes them."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from moto.server import ThreadedMotoServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.main import create_app
from tests.attachments import files
from tests.fixtures.factories import admin_account, create_product, vetted_account

BUCKET = "renewal-files"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    assert httpx.put(f"{endpoint}/{BUCKET}").status_code == 200  # the bucket an operator would create
    yield endpoint
    server.stop()


@pytest.fixture
async def s3_client(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], s3_endpoint: str
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = create_app(
        settings.model_copy(
            update={
                "storage_url": f"s3://{BUCKET}/attachments",
                "s3_endpoint_url": s3_endpoint,
                "s3_access_key_id": SecretStr("test-key"),
                "s3_secret_access_key": SecretStr("test-secret"),
            }
        ),
        sessionmaker=sessionmaker,
    )
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        yield client, app


async def test_files_go_to_the_bucket_and_come_back_through_a_signed_url(
    s3_client: tuple[httpx.AsyncClient, FastAPI], db: AsyncSession, s3_endpoint: str
) -> None:
    client, _ = s3_client
    bucket = httpx.AsyncClient()  # a phone fetching a signed URL, or an operator looking in the bucket
    admin = await admin_account(client, db)
    supplier = await vetted_account(client, admin, "supplier")
    product = await create_product(client, supplier)
    photo = files.jpeg_with_gps((800, 600))
    uploaded = await client.post(
        f"/products/{product['id']}/attachments",
        headers=supplier.headers,
        files={"file": ("样机.jpg", photo, "image/jpeg")},
        data={"purpose": "photo"},
    )
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    key = f"attachments/product/{product['id']}/{body['id']}"
    unsigned = await bucket.get(f"{s3_endpoint}/{BUCKET}/{key}")
    assert unsigned.status_code == 403  # the bucket is private: only a signed URL reads it

    redirect = await client.get(body["url"].removeprefix("/api/v1"), headers=supplier.headers)
    assert redirect.status_code == 307 and redirect.headers["cache-control"] == "no-store"
    signed = redirect.headers["location"]
    assert signed.startswith(f"{s3_endpoint}/{BUCKET}/{key}?") and "X-Amz-Signature=" in signed
    assert "X-Amz-Expires=300" in signed
    fetched = await bucket.get(signed)
    assert fetched.headers["content-type"] == "image/jpeg"
    assert fetched.status_code == 200 and hashlib.sha256(fetched.content).hexdigest() == body["sha256"]
    assert "filename*=UTF-8''" in fetched.headers["content-disposition"]
    thumb = await client.get(body["thumbnail_url"].removeprefix("/api/v1"), headers=supplier.headers)
    assert (
        thumb.status_code == 307
        and (await bucket.get(thumb.headers["location"])).headers["content-type"] == "image/webp"
    )

    # Strangers get no URL at all.
    stranger = await vetted_account(client, admin, "supplier")
    assert (
        await client.get(body["url"].removeprefix("/api/v1"), headers=stranger.headers)
    ).status_code == 404

    deleted = await client.delete(body["url"].removeprefix("/api/v1"), headers=supplier.headers)
    assert deleted.status_code == 204
    # The URLs signed before still name the objects; the bucket no longer has them.
    assert (await bucket.get(signed)).status_code == 404
    assert (await bucket.get(thumb.headers["location"])).status_code == 404
    await bucket.aclose()
