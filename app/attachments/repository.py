"""Queries for attachment rows."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.attachment import Attachment
from app.models.conversation import ConversationMessage


async def get(
    session: AsyncSession, attachment_id: uuid.UUID, *, for_update: bool = False
) -> Attachment | None:
    stmt = select(Attachment).where(Attachment.id == attachment_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def count_for(session: AsyncSession, parent_type: str, parent_id: uuid.UUID) -> int:
    """How many files the parent holds, counted under a transaction lock on the parent: two uploads at
    once count one after the other, so neither passes the cap."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(f"attachments:{parent_id}", 0)))
    )
    stmt = select(func.count()).where(
        Attachment.parent_type == parent_type, Attachment.parent_id == parent_id
    )
    return int(await session.scalar(stmt) or 0)


async def page_for(
    session: AsyncSession, parent_type: str, parent_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    stmt = select(Attachment).where(Attachment.parent_type == parent_type, Attachment.parent_id == parent_id)
    return await keyset_page(
        session, stmt, keys=[Attachment.created_at, Attachment.id], params=params, direction="asc"
    )


async def sent_in_a_message(session: AsyncSession, attachment_id: uuid.UUID) -> bool:
    sent = ConversationMessage.attachment_ids.contains([attachment_id])
    stmt = select(ConversationMessage.id).where(sent).limit(1)
    return await session.scalar(stmt) is not None
