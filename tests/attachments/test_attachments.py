"""Attachments through HTTP on the local store: types judged from bytes, images stripped of EXIF with a
thumbnail, zip bombs and lying names refused with nothing written, visibility following the parent."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Attachment
from tests.attachments import files
from tests.fixtures.factories import Account, create_demand, create_product, published_demand, team_member
from tests.fixtures.smtp import Mailbox


def _stored(app: FastAPI) -> set[Path]:
    root = Path(app.state.settings.data_dir) / "attachments"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


async def _upload(
    client: httpx.AsyncClient,
    who: Account | None,
    path: str,
    name: str,
    data: bytes,
    purpose: str | None = None,
    content_type: str = "application/octet-stream",
) -> httpx.Response:
    return await client.post(
        f"{path}/attachments",
        headers=who.headers if who else {},
        files={"file": (name, data, content_type)},
        data={"purpose": purpose} if purpose else {},
    )


async def _count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Attachment)) or 0)


async def test_a_photo_is_re_encoded_without_exif_and_gets_a_thumbnail(
    client: httpx.AsyncClient, supplier: Account, app: FastAPI
) -> None:
    product = await create_product(client, supplier)
    before = _stored(app)
    photo = files.jpeg_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif().get(0x8825)  # the upload does carry GPS
    assert Image.open(io.BytesIO(photo)).info.get("comment")  # and a JPEG comment
    response = await _upload(client, supplier, f"/products/{product['id']}", "单晶炉.JPG", photo, "photo")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == "image/jpeg" and body["purpose"] == "photo"
    assert body["filename"] == "单晶炉.JPG" and body["thumbnail_url"]
    download = await client.get(body["url"].removeprefix("/api/v1"), headers=supplier.headers)
    assert download.status_code == 200 and download.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(download.content).hexdigest() == body["sha256"]
    assert len(download.content) == body["size_bytes"]
    assert download.headers["etag"] == f'"{body["sha256"]}"'
    assert (
        download.headers["content-disposition"]
        == "attachment; filename*=utf-8''%E5%8D%95%E6%99%B6%E7%82%89.JPG"
    )
    stored = Image.open(io.BytesIO(download.content))
    assert stored.size == (1200, 800) and dict(stored.getexif()) == {}
    assert "comment" not in stored.info and "exif" not in stored.info
    thumb = await client.get(body["thumbnail_url"].removeprefix("/api/v1"), headers=supplier.headers)
    assert thumb.headers["content-type"] == "image/webp"
    small = Image.open(io.BytesIO(thumb.content))
    assert small.format == "WEBP" and max(small.size) == 320
    ranged = await client.get(
        body["url"].removeprefix("/api/v1"), headers={**supplier.headers, "Range": "bytes=0-9"}
    )
    assert ranged.status_code == 206 and ranged.content == download.content[:10]
    assert len(_stored(app) - before) == 2  # the image and its thumbnail


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("技改方案.pdf", files.pdf, "application/pdf"),
        (
            "技改方案.docx",
            files.docx,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("设备清单.xlsx", files.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("示意图.png", files.png, "image/png"),
        ("技改方案", files.pdf, "application/pdf"),  # no extension: the right one is added
    ],
)
async def test_each_allowed_kind_is_told_by_its_bytes(
    client: httpx.AsyncClient, enterprise: Account, name: str, make: object, expected: str
) -> None:
    demand = await create_demand(client, enterprise)
    data = make()  # type: ignore[operator]
    response = await _upload(
        client, enterprise, f"/demands/{demand['id']}", name, data, content_type="text/plain"
    )
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == expected
    assert response.json()["filename"].startswith(name)
    assert response.json()["filename"].rsplit(".", 1)[-1] in ("pdf", "docx", "xlsx", "png")


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("图纸.pdf", files.png(), 415),  # a PNG named .pdf
        ("setup.pdf", b"MZ\x90\x00" + b"\0" * 200, 415),  # a Windows program
        ("notes.pdf", "只是一段文字".encode() * 10, 415),
        ("炸弹.docx", files.zip_bomb(), 422),
        ("宏.docx", files.docx({"word/vbaProject.bin": b"\0" * 100}), 415),
        ("../../etc/passwd.pdf", files.pdf(), 422),
        ("截断.pdf", files.pdf()[:-8], 422),
        ("空.pdf", b"", 422),
    ],
)
async def test_bad_files_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient,
    db: AsyncSession,
    enterprise: Account,
    app: FastAPI,
    name: str,
    data: bytes,
    status: int,
) -> None:
    demand = await create_demand(client, enterprise)
    before = _stored(app)
    response = await _upload(
        client, enterprise, f"/demands/{demand['id']}", name, data, content_type="application/pdf"
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await _count(db) == 0 and _stored(app) == before


async def test_a_file_over_the_cap_is_413(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, app: FastAPI
) -> None:
    app.state.settings.max_attachment_bytes = 4096
    demand = await create_demand(client, enterprise)
    response = await _upload(client, enterprise, f"/demands/{demand['id']}", "大.pdf", files.pdf(pad=5000))
    assert response.status_code == 413
    assert await _count(db) == 0
    small = await _upload(client, enterprise, f"/demands/{demand['id']}", "小.pdf", files.pdf(pad=100))
    assert small.status_code == 201


async def test_a_draft_demands_files_are_its_owners_until_it_is_published(
    client: httpx.AsyncClient, enterprise: Account, supplier: Account, admin: Account
) -> None:
    demand = await create_demand(client, enterprise)
    uploaded = await _upload(
        client, enterprise, f"/demands/{demand['id']}", "图纸.pdf", files.pdf(), "drawing"
    )
    url = uploaded.json()["url"].removeprefix("/api/v1")
    for who in (None, supplier):
        headers = who.headers if who else {}
        assert (await client.get(url, headers=headers)).status_code == 404
        assert (await client.get(f"/demands/{demand['id']}/attachments", headers=headers)).status_code == 404
    assert (await client.get(url, headers=admin.headers)).status_code == 200
    listed = await client.get(f"/demands/{demand['id']}/attachments", headers=enterprise.headers)
    assert [item["id"] for item in listed.json()["items"]] == [uploaded.json()["id"]]
    published = await client.post(f"/demands/{demand['id']}/publish", headers=enterprise.headers)
    assert published.status_code == 200
    assert (await client.get(url)).status_code == 200  # public with its demand
    # Others may read, never change.
    assert (await client.delete(url, headers=supplier.headers)).status_code == 403
    intruder = await _upload(client, supplier, f"/demands/{demand['id']}", "假.pdf", files.pdf())
    assert intruder.status_code == 403


async def test_a_member_attaches_to_drafts_and_a_manager_to_what_is_published(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, mailbox: Mailbox
) -> None:
    member = await team_member(client, enterprise, mailbox)
    draft = await create_demand(client, enterprise)
    assert (await _upload(client, member, f"/demands/{draft['id']}", "a.pdf", files.pdf())).status_code == 201
    live = await published_demand(client, enterprise)
    refused = await _upload(client, member, f"/demands/{live['id']}", "b.pdf", files.pdf())
    assert refused.status_code == 403 and refused.json()["needed_role"] == "manager"
    assert await _count(db) == 1
    assert (
        await _upload(client, enterprise, f"/demands/{live['id']}", "b.pdf", files.pdf())
    ).status_code == 201


async def test_the_owner_deletes_a_file_and_its_bytes_go(
    client: httpx.AsyncClient, db: AsyncSession, supplier: Account, app: FastAPI
) -> None:
    product = await create_product(client, supplier)
    before = _stored(app)
    uploaded = await _upload(client, supplier, f"/products/{product['id']}", "照片.png", files.png(), "photo")
    url = uploaded.json()["url"].removeprefix("/api/v1")
    assert len(_stored(app) - before) == 2
    assert (await client.delete(url, headers=supplier.headers)).status_code == 204
    assert (await client.get(url, headers=supplier.headers)).status_code == 404
    assert await _count(db) == 0 and _stored(app) == before


async def test_organization_certificates_are_public_once_vetted(
    client: httpx.AsyncClient, supplier: Account
) -> None:
    path = f"/organizations/{supplier.organization_id}"
    uploaded = await _upload(client, supplier, path, "资质证书.pdf", files.pdf(), "qualification_certificate")
    assert uploaded.status_code == 201
    listed = await client.get(f"{path}/attachments")
    assert listed.status_code == 200 and listed.json()["items"][0]["purpose"] == "qualification_certificate"


async def test_a_windows_path_sent_as_the_name_keeps_only_the_name(
    client: httpx.AsyncClient, enterprise: Account
) -> None:
    """Old Windows browsers send the whole path; the multipart parser keeps its last part."""
    demand = await create_demand(client, enterprise)
    response = await _upload(client, enterprise, f"/demands/{demand['id']}", "C:\\图纸\\a.pdf", files.pdf())
    assert response.status_code == 201 and response.json()["filename"] == "a.pdf"


def _encrypted_looking_docx() -> bytes:
    """A DOCX whose [Content_Types].xml claims the encryption flag: zipfile refuses to read it."""
    data = bytearray(files.docx())
    # Flag bit 0 (encrypted) on every local and central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := data.find(signature, start)) != -1:
            data[found + offset] |= 0x01
            start = found + 4
    return bytes(data)


def _png_with_broken_exif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "PNG", exif=b"II*\x00")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("加密.docx", _encrypted_looking_docx),
        ("坏EXIF.png", _png_with_broken_exif),
        ("a" * 200, files.pdf),  # 200 characters, and the .pdf it gets makes 204
    ],
)
async def test_hostile_files_are_422_not_500(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, name: str, make: object
) -> None:
    demand = await create_demand(client, enterprise)
    response = await _upload(client, enterprise, f"/demands/{demand['id']}", name, make())  # type: ignore[operator]
    assert response.status_code in (415, 422), response.text
    assert await _count(db) == 0


async def test_uploads_are_capped_per_organization_and_hour(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, app: FastAPI
) -> None:
    app.state.settings.uploads_per_organization_per_hour = 2
    demand = await create_demand(client, enterprise)
    statuses = [
        (await _upload(client, enterprise, f"/demands/{demand['id']}", f"{i}.pdf", files.pdf())).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert await _count(db) == 2
