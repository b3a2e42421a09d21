"""Queries for inventories."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.equipment import EquipmentItem


async def page(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[EquipmentItem], str | None]:
    stmt = select(EquipmentItem).where(EquipmentItem.organization_id == organization_id)
    return await keyset_page(session, stmt, keys=[EquipmentItem.created_at, EquipmentItem.id], params=params)


async def rule_facts(session: AsyncSession, organization_id: uuid.UUID) -> Sequence[Any]:
    """What the summary needs of every item (the rules run on these few columns)."""
    stmt = select(
        EquipmentItem.category_code,
        EquipmentItem.in_service_year,
        EquipmentItem.below_energy_baseline,
        EquipmentItem.elimination_catalogue,
        EquipmentItem.elimination_entry,
        EquipmentItem.count,
        EquipmentItem.original_value_cny,
    ).where(EquipmentItem.organization_id == organization_id)
    return (await session.execute(stmt)).all()


async def get(session: AsyncSession, item_id: uuid.UUID, *, for_update: bool = False) -> EquipmentItem | None:
    return await session.get(EquipmentItem, item_id, with_for_update=for_update)


async def keys(session: AsyncSession, organization_id: uuid.UUID) -> Sequence[Any]:
    """(category, model, maker, year) of every item: what an import may not repeat."""
    stmt = select(
        EquipmentItem.category_code, EquipmentItem.model, EquipmentItem.maker, EquipmentItem.in_service_year
    ).where(EquipmentItem.organization_id == organization_id)
    return (await session.execute(stmt)).all()
