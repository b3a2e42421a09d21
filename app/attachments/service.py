"""Attachments: upload (type judged from the bytes, images re-encoded, a thumbnail), listing and download
with the parent's visibility, deletion by the parent's owner. The parents are resolved through one small
registry, so a package that owns a parent (conversations) plugs its own check in without an import
cycle."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from app.attachments import inspect, repository
from app.attachments.schemas import AttachmentOut
from app.attachments.storage import Storage
from app.auth.principal import Principal, Viewer
from app.config import Settings
from app.demands import service as demands
from app.errors import (
    AppError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    UnsupportedMediaType,
)
from app.kit import rate_limit
from app.kit.pagination import PageParams
from app.models.attachment import Attachment
from app.organizations import service as organizations
from app.products import service as products
from app.quotes import service as quotes

API = "/api/v1"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Parent:
    """What an attachment hangs on, as the viewer may see it: whose it is and who may change its files."""

    type: str
    id: uuid.UUID
    owner_ids: frozenset[uuid.UUID]  # organizations that may attach (a conversation has two sides)
    editing_role: str  # the role an owner's member needs to attach or delete (app/auth/roles.py)
    closed: bool = False  # no new files (a closed conversation)


Resolver = Callable[[AsyncSession, uuid.UUID, Viewer], Awaitable[Parent]]
RESOLVERS: dict[str, Resolver] = {}


def resolver(parent_type: str) -> Callable[[Resolver], Resolver]:
    def register(fn: Resolver) -> Resolver:
        RESOLVERS[parent_type] = fn
        return fn

    return register


@resolver("demand")
async def _demand(session: AsyncSession, parent_id: uuid.UUID, viewer: Viewer) -> Parent:
    demand = await demands.get_visible(session, parent_id, viewer)
    role = "member" if demand.status == "draft" else "manager"
    return Parent("demand", demand.id, frozenset({demand.organization_id}), role)


@resolver("product")
async def _product(session: AsyncSession, parent_id: uuid.UUID, viewer: Viewer) -> Parent:
    product = await products.get_visible(session, parent_id, viewer)
    role = "member" if product.status == "draft" else "manager"
    return Parent("product", product.id, frozenset({product.organization_id}), role)


@resolver("quote")
async def _quote(session: AsyncSession, parent_id: uuid.UUID, viewer: Viewer) -> Parent:
    quote = await quotes.get_visible(session, parent_id, viewer)
    return Parent("quote", quote.id, frozenset({quote.organization_id}), "manager")


@resolver("organization")
async def _organization(session: AsyncSession, parent_id: uuid.UUID, viewer: Viewer) -> Parent:
    organization = await organizations.get_visible(session, parent_id, viewer)
    return Parent("organization", organization.id, frozenset({organization.id}), "manager")


async def _resolve(session: AsyncSession, parent_type: str, parent_id: uuid.UUID, viewer: Viewer) -> Parent:
    found = RESOLVERS.get(parent_type)
    if found is None:  # a parent whose package is not loaded in this process
        raise NotFound("No such attachment parent.", zh="没有这个附件所属对象。")
    return await found(session, parent_id, viewer)


def to_out(row: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=row.id,
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        purpose=row.purpose,
        url=f"{API}/attachments/{row.id}",
        thumbnail_url=f"{API}/attachments/{row.id}/thumbnail" if row.thumbnail_key else None,
        created_at=row.created_at,
    )


def _may_change(parent: Parent, principal: Principal, *, action: str, action_zh: str) -> None:
    if principal.organization.id not in parent.owner_ids:
        raise Forbidden(
            f"Only the organization this {parent.type} belongs to may change its files.",
            zh="只有该对象所属的机构才能修改其附件。",
        )
    principal.viewer.require(parent.editing_role, action=action, action_zh=action_zh)


async def _read_capped(upload: UploadFile, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                f"The file is larger than {limit} bytes (MAX_ATTACHMENT_BYTES).",
                zh=f"文件超过 {limit} 字节的上限（MAX_ATTACHMENT_BYTES）。",
            )
        chunks.append(chunk)
    if size == 0:
        raise InvalidInput(["body", "file"], "is empty", zh="是空文件")
    return b"".join(chunks)


def _refusal(exc: inspect.Refused) -> AppError:
    if exc.status == 415:
        return UnsupportedMediaType(exc.detail, zh=exc.zh)
    return InvalidInput(["body", "file"], exc.detail, zh=exc.zh)


async def upload(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    *,
    parent_type: str,
    parent_id: uuid.UUID,
    file: UploadFile,
    purpose: str,
    principal: Principal,
) -> Attachment:
    parent = await _resolve(session, parent_type, parent_id, principal.viewer)
    _may_change(parent, principal, action="Attaching a file here", action_zh="在此添加附件")
    if parent.closed:
        raise Conflict(f"This {parent.type} is closed: no new files.", zh="该对象已关闭，不能再添加附件。")
    count, ends_at = await rate_limit.hit(
        session, key=f"uploads:org:{principal.organization.id}", window_seconds=3600
    )
    if count > settings.uploads_per_organization_per_hour:
        wait = rate_limit.retry_after(ends_at)
        raise TooManyRequests(
            f"Your organization uploaded too many files this hour; try again in {wait} seconds.",
            zh=f"本机构本小时上传的文件过多，请 {wait} 秒后再试。",
            retry_after=wait,
        )
    if await repository.count_for(session, parent.type, parent.id) >= settings.attachments_per_parent:
        raise Conflict(
            f"This {parent.type} already has {settings.attachments_per_parent} files; delete one first.",
            zh=f"该对象已有 {settings.attachments_per_parent} 个附件，请先删除一个。",
            limit=settings.attachments_per_parent,
        )
    data = await _read_capped(file, settings.max_attachment_bytes)
    try:
        inspected = await asyncio.to_thread(inspect.inspect, data)
        filename = inspect.check_name(file.filename or "", inspected.content_type)
    except inspect.Refused as exc:
        raise _refusal(exc) from exc
    attachment_id = uuid.uuid4()
    key = f"{parent.type}/{parent.id}/{attachment_id}"
    await storage.put(key, inspected.data, content_type=inspected.content_type, filename=filename)
    thumbnail_key = None
    if inspected.thumbnail is not None:
        thumbnail_key = f"{key}.thumb.webp"
        await storage.put(thumbnail_key, inspected.thumbnail, content_type="image/webp", filename=filename)
    row = Attachment(
        id=attachment_id,
        parent_type=parent.type,
        parent_id=parent.id,
        organization_id=principal.organization.id,
        uploaded_by_id=principal.user.id,
        filename=filename,
        content_type=inspected.content_type,
        size_bytes=len(inspected.data),
        sha256=hashlib.sha256(inspected.data).hexdigest(),
        purpose=purpose,
        storage_key=key,
        thumbnail_key=thumbnail_key,
    )
    session.add(row)
    await session.flush()
    return row


async def page(
    session: AsyncSession, parent_type: str, parent_id: uuid.UUID, params: PageParams, *, viewer: Viewer
) -> tuple[list[AttachmentOut], str | None]:
    parent = await _resolve(session, parent_type, parent_id, viewer)
    rows, cursor = await repository.page_for(session, parent.type, parent.id, params)
    return [to_out(row) for row in rows], cursor


async def get_visible(session: AsyncSession, attachment_id: uuid.UUID, viewer: Viewer) -> Attachment:
    """The attachment, if the viewer may see its parent (404 otherwise, whatever the reason)."""
    row = await repository.get(session, attachment_id)
    if row is None:
        raise NotFound("No such attachment.", zh="没有这个附件。")
    try:
        await _resolve(session, row.parent_type, row.parent_id, viewer)
    except (NotFound, Forbidden) as exc:
        raise NotFound("No such attachment.", zh="没有这个附件。") from exc
    return row


async def delete(session: AsyncSession, attachment_id: uuid.UUID, *, principal: Principal) -> list[str]:
    """Delete the row; returns the storage keys to remove once the transaction has committed."""
    row = await get_visible(session, attachment_id, principal.viewer)
    parent = await _resolve(session, row.parent_type, row.parent_id, principal.viewer)
    _may_change(parent, principal, action="Deleting a file here", action_zh="删除此处的附件")
    if row.parent_type == "conversation" and await repository.sent_in_a_message(session, row.id):
        raise Conflict(
            "This file was sent in a message; it stays with the conversation.",
            zh="该附件已随消息发出，不能删除。",
        )
    if row.organization_id != principal.organization.id:
        raise Forbidden(
            "Only the organization that uploaded a file may delete it.", zh="只有上传附件的机构才能删除它。"
        )
    await session.delete(row)
    await session.flush()
    return [key for key in (row.storage_key, row.thumbnail_key) if key]
