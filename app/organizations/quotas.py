"""How many standing objects (saved searches, lead subscriptions) one organization may hold. An
organization still waiting for vetting gets a small allowance: registering is open to anyone, and
each saved search is work on every publication.

The organization's row is locked while counting, so two concurrent creates cannot both take the last
place (on any number of API processes: the lock is PostgreSQL's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict
from app.models.organization import Organization


async def ensure_room(
    session: AsyncSession,
    organization: Organization,
    *,
    model: Any,
    vetted_limit: int,
    unvetted_limit: int,
    what: str,
    what_zh: str,
) -> None:
    """409 when `organization` already holds its limit of `model` rows (those not deleted)."""
    await session.execute(select(Organization.id).where(Organization.id == organization.id).with_for_update())
    stmt = select(func.count()).select_from(model).where(model.organization_id == organization.id)
    if hasattr(model, "deleted_at"):
        stmt = stmt.where(model.deleted_at.is_(None))
    held = int((await session.execute(stmt)).scalar_one())
    vetted = organization.vetting_status == "vetted"
    limit = vetted_limit if vetted else unvetted_limit
    if held < limit:
        return
    wait = "" if vetted else " until the organization is vetted"
    wait_zh = "" if vetted else "（机构通过审核前）"
    raise Conflict(
        f"The organization already has {held} {what}, the most it may hold{wait}; delete one first.",
        zh=f"本机构已有{held}个{what_zh}，已达上限{wait_zh}；请先删除一个。",
        limit=limit,
    )
