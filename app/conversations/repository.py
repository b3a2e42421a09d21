"""Queries for conversations and their messages."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.kit.pagination import PageParams, keyset_page
from app.models.account import User
from app.models.attachment import Attachment
from app.models.conversation import Conversation, ConversationMessage
from app.models.demand import Demand
from app.models.lead import Lead
from app.models.organization import Organization


async def get(
    session: AsyncSession, conversation_id: uuid.UUID, *, for_update: bool = False
) -> Conversation | None:
    stmt = select(Conversation).where(Conversation.id == conversation_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def for_counterpart(
    session: AsyncSession, demand_id: uuid.UUID, counterpart_id: uuid.UUID
) -> Conversation | None:
    stmt = (
        select(Conversation)
        .where(Conversation.demand_id == demand_id, Conversation.counterpart_id == counterpart_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def page_for(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    """The organization's threads on either side, the most recently active first, as (thread, demand
    title, owner's name, counterpart's name) rows: one query a page."""
    owner, counterpart = aliased(Organization), aliased(Organization)
    stmt = (
        select(Conversation, Demand.title, owner.name, counterpart.name)
        .join(Demand, Demand.id == Conversation.demand_id)
        .join(owner, owner.id == Conversation.owner_id)
        .join(counterpart, counterpart.id == Conversation.counterpart_id)
        .where(or_(Conversation.owner_id == organization_id, Conversation.counterpart_id == organization_id))
    )
    return await keyset_page(
        session, stmt, keys=[Conversation.last_message_at, Conversation.id], params=params
    )


async def page_messages(
    session: AsyncSession, conversation_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    """(message, sender organization's name, sender's name) rows, newest first: one query a page."""
    stmt = (
        select(ConversationMessage, Organization.name, User.name)
        .join(Organization, Organization.id == ConversationMessage.sender_organization_id)
        .outerjoin(User, User.id == ConversationMessage.sender_user_id)
        .where(ConversationMessage.conversation_id == conversation_id)
    )
    return await keyset_page(
        session, stmt, keys=[ConversationMessage.created_at, ConversationMessage.id], params=params
    )


async def has_lead(session: AsyncSession, demand_id: uuid.UUID, bank_id: uuid.UUID) -> bool:
    """Whether the demand is one of the bank's leads."""
    stmt = select(Lead.id).where(Lead.demand_id == demand_id, Lead.organization_id == bank_id).limit(1)
    return await session.scalar(stmt) is not None


async def demand_titles(session: AsyncSession, demand_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not demand_ids:
        return {}
    rows = await session.execute(select(Demand.id, Demand.title).where(Demand.id.in_(demand_ids)))
    return {row.id: row.title for row in rows}


async def attachments(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Attachment]:
    if not ids:
        return {}
    return {a.id: a for a in await session.scalars(select(Attachment).where(Attachment.id.in_(ids)))}
