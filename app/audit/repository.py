"""Reading the audit log."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.account import User
from app.models.conversation import AuditEvent
from app.models.organization import Organization


async def page(
    session: AsyncSession,
    params: PageParams,
    *,
    object_type: str | None,
    object_id: str | None,
    actor_id: uuid.UUID | None,
    region_prefix: str | None,
) -> tuple[list[Any], str | None]:
    """Newest first, with each actor's user and organization (outer joins: a deleted user is null)."""
    stmt = (
        select(AuditEvent, User, Organization)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(Organization, Organization.id == User.organization_id)
    )
    if object_type is not None:
        stmt = stmt.where(AuditEvent.subject_type == object_type)
    if object_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == object_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_user_id == actor_id)
    if region_prefix is not None:
        stmt = stmt.where(AuditEvent.region_code.startswith(region_prefix, autoescape=True))
    return await keyset_page(session, stmt, keys=[AuditEvent.created_at, AuditEvent.id], params=params)
