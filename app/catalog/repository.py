"""Queries over the reference data."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.catalog import EquipmentCategory, FinancingType, Industry, Region, TaskType
from app.models.policy import Policy


async def list_regions(
    session: AsyncSession, *, level: str | None = None, parent_code: str | None = None
) -> Sequence[Region]:
    stmt = select(Region).order_by(Region.code)
    if level is not None:
        stmt = stmt.where(Region.level == level)
    if parent_code is not None:
        stmt = stmt.where(Region.parent_code == parent_code)
    return (await session.scalars(stmt)).all()


async def list_industries(session: AsyncSession) -> Sequence[Industry]:
    return (await session.scalars(select(Industry).order_by(Industry.code))).all()


async def list_equipment_categories(session: AsyncSession) -> Sequence[EquipmentCategory]:
    return (await session.scalars(select(EquipmentCategory).order_by(EquipmentCategory.code))).all()


async def list_task_types(session: AsyncSession) -> Sequence[TaskType]:
    return (await session.scalars(select(TaskType).order_by(TaskType.position))).all()


async def list_financing_types(session: AsyncSession) -> Sequence[FinancingType]:
    return (await session.scalars(select(FinancingType).order_by(FinancingType.position))).all()


CodedModel = type[Region] | type[Industry] | type[EquipmentCategory] | type[TaskType] | type[FinancingType]


async def existing_codes(session: AsyncSession, model: CodedModel, codes: Iterable[str]) -> set[str]:
    wanted = set(codes)
    if not wanted:
        return set()
    stmt = select(model.code).where(model.code.in_(wanted))
    if model is Region:
        # Where something is, or whom it serves: a 市州 or a 区县 (the whole province is "no limit").
        stmt = stmt.where(Region.level != "province")
    return set((await session.scalars(stmt)).all())


async def upsert(session: AsyncSession, model: CodedModel, rows: list[dict[str, object]]) -> int:
    """Insert or update reference rows by code; returns how many rows were written."""
    if not rows:
        return 0
    table = model.__table__
    assert isinstance(table, Table)
    stmt = insert(table).values(rows)
    # Only the columns the data files give: what operators set (a county's pilot year) stays.
    updatable = {name: stmt.excluded[name] for name in rows[0] if name != "code"}
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=updatable))
    return len(rows)


async def subtree_codes(session: AsyncSession, code: str) -> list[str]:
    """`code` and every category under it (codes are dotted paths)."""
    stmt = select(EquipmentCategory.code).where(
        (EquipmentCategory.code == code) | EquipmentCategory.code.startswith(code + ".", autoescape=True)
    )
    return list((await session.scalars(stmt)).all())


async def upsert_policies(session: AsyncSession, rows: list[dict[str, object]]) -> int:
    """The seeded programmes by code: new ones inserted, existing ones updated unless an operator has
    edited them since (their version moved past 1), whose edit stands."""
    if not rows:
        return 0
    stmt = insert(Policy).values([{"id": uuid.uuid4(), "version": 1, **row} for row in rows])
    updatable = {name: stmt.excluded[name] for name in rows[0] if name != "code"}
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["code"], set_=updatable, where=Policy.version == 1)
    )
    return len(rows)
