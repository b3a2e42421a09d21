"""Queries for diagnoses, their visits and plan items."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.demand import Demand
from app.models.diagnosis import Diagnosis, DiagnosisVisit, PlanItem


async def get(
    session: AsyncSession, diagnosis_id: uuid.UUID, *, for_update: bool = False
) -> Diagnosis | None:
    return await session.get(Diagnosis, diagnosis_id, with_for_update=for_update)


async def get_item(session: AsyncSession, item_id: uuid.UUID, *, for_update: bool = False) -> PlanItem | None:
    return await session.get(PlanItem, item_id, with_for_update=for_update)


async def visits(session: AsyncSession, diagnosis_ids: list[uuid.UUID]) -> Sequence[DiagnosisVisit]:
    if not diagnosis_ids:
        return []
    stmt = (
        select(DiagnosisVisit)
        .where(DiagnosisVisit.diagnosis_id.in_(diagnosis_ids))
        .order_by(DiagnosisVisit.visited_at, DiagnosisVisit.id)
    )
    return (await session.scalars(stmt)).all()


async def plan_items(session: AsyncSession, diagnosis_ids: list[uuid.UUID]) -> Sequence[PlanItem]:
    if not diagnosis_ids:
        return []
    stmt = (
        select(PlanItem)
        .where(PlanItem.diagnosis_id.in_(diagnosis_ids))
        .order_by(PlanItem.created_at, PlanItem.id)
    )
    return (await session.scalars(stmt)).all()


async def demands_of_items(session: AsyncSession, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not item_ids:
        return {}
    rows = await session.execute(
        select(Demand.plan_item_id, Demand.id).where(Demand.plan_item_id.in_(item_ids))
    )
    return {item: demand for item, demand in rows.all() if item is not None}


async def page(
    session: AsyncSession,
    params: PageParams,
    *,
    scope_prefix: str | None,
    organization_id: uuid.UUID | None,
    region_prefix: str | None,
    status: str | None,
) -> tuple[list[Diagnosis], str | None]:
    """An operator's (by region prefix) or an enterprise's own, newest first."""
    stmt = select(Diagnosis)
    if scope_prefix is not None:
        stmt = stmt.where(Diagnosis.region_code.startswith(scope_prefix, autoescape=True))
    if organization_id is not None:
        stmt = stmt.where(Diagnosis.organization_id == organization_id)
    if region_prefix is not None:
        stmt = stmt.where(Diagnosis.region_code.startswith(region_prefix, autoescape=True))
    if status is not None:
        stmt = stmt.where(Diagnosis.status == status)
    return await keyset_page(session, stmt, keys=[Diagnosis.created_at, Diagnosis.id], params=params)


async def item_counts(session: AsyncSession, diagnosis_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:

    if not diagnosis_ids:
        return {}
    rows = await session.execute(
        select(PlanItem.diagnosis_id, func.count())
        .where(PlanItem.diagnosis_id.in_(diagnosis_ids))
        .group_by(PlanItem.diagnosis_id)
    )
    return {d: int(n) for d, n in rows.all()}
