"""The statistics queries: one pass over the period's demands, grouped every way the overview needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.models.catalog import Industry, Region, TaskType
from app.models.demand import Demand
from app.models.lead import Lead
from app.models.matching import MatchFeedback
from app.models.quote import Quote

TIMEZONE = "Asia/Shanghai"

# The dimensions of the GROUPING SETS, in the order GROUPING() reports them (leftmost = highest bit).
DIMENSIONS = ("status", "region", "industry", "task_type", "posted_month", "contracted_month")


@dataclass(frozen=True)
class Measures:
    demands: int = 0
    posted_cny: int = 0
    matched: int = 0
    matched_cny: int = 0
    contracted: int = 0
    contracted_cny: int = 0
    financed: int = 0
    financed_cny: int = 0


@dataclass(frozen=True)
class Cell:
    dimension: str | None  # None: the total over every demand of the period
    key: str | None
    measures: Measures


def _shortlisted() -> ColumnElement[bool]:
    """The owner's latest action on some match is a shortlist (a later dismiss or clear undoes it)."""
    later = aliased(MatchFeedback)
    return exists().where(
        MatchFeedback.demand_id == Demand.id,
        MatchFeedback.action == "shortlist",
        ~exists().where(
            later.demand_id == MatchFeedback.demand_id,
            later.kind == MatchFeedback.kind,
            later.target_id == MatchFeedback.target_id,
            later.created_at > MatchFeedback.created_at,
        ),
    )


def _facts(start: datetime | None, end: datetime | None, region_code: str | None) -> Any:
    """One row a posted demand: its dimensions and whether it is matched, contracted and financed."""
    # A contracted demand later closed is a deal that fell through; completed ones stay contracted.
    contracted = and_(Demand.contracted_at.is_not(None), Demand.status != "closed")
    quoted = exists().where(Quote.demand_id == Demand.id, Quote.status != "withdrawn")
    financed = exists().where(Lead.demand_id == Demand.id, Lead.status == "approved")
    conditions: list[ColumnElement[bool]] = [Demand.published_at.is_not(None)]
    if start is not None:
        conditions.append(Demand.published_at >= start)
    if end is not None:
        conditions.append(Demand.published_at < end)
    if region_code is not None:
        conditions.append(Demand.region_code == region_code)
    return (
        select(
            Demand.status,
            Demand.region_code.label("region"),
            Demand.industry_code.label("industry"),
            Demand.task_type,
            func.to_char(func.timezone(TIMEZONE, Demand.published_at), "YYYY-MM").label("posted_month"),
            func.to_char(func.timezone(TIMEZONE, Demand.contracted_at), "YYYY-MM").label("contracted_month"),
            Demand.budget_max_cny,
            or_(Demand.contracted_at.is_not(None), quoted, _shortlisted()).label("matched"),
            contracted.label("contracted"),
            func.coalesce(Demand.contracted_amount_cny, 0).label("contracted_cny"),
            financed.label("financed"),
            func.coalesce(Demand.financing_amount_cny, 0).label("financing_cny"),
        )
        .where(and_(*conditions))
        .cte("facts")
    )


def _count_if(flag: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(flag)


def _sum_if(value: ColumnElement[int], flag: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(value).filter(flag), 0)


async def grouped_measures(
    session: AsyncSession, *, start: datetime | None, end: datetime | None, region_code: str | None
) -> list[Cell]:
    """Measures for the total and for each value of each dimension, in one scan (GROUPING SETS)."""
    facts = _facts(start, end, region_code)
    columns = [facts.c[name] for name in DIMENSIONS]
    stmt = select(
        func.grouping(*columns).label("grouping"),
        *columns,
        func.count().label("demands"),
        func.coalesce(func.sum(facts.c.budget_max_cny), 0).label("posted_cny"),
        _count_if(facts.c.matched).label("matched"),
        _sum_if(facts.c.budget_max_cny, facts.c.matched).label("matched_cny"),
        _count_if(facts.c.contracted).label("contracted"),
        _sum_if(facts.c.contracted_cny, facts.c.contracted).label("contracted_cny"),
        _count_if(facts.c.financed).label("financed"),
        _sum_if(facts.c.financing_cny, facts.c.financed).label("financed_cny"),
    ).group_by(func.grouping_sets(*(tuple_(c) for c in columns), tuple_()))
    cells: list[Cell] = []
    all_bits = (1 << len(DIMENSIONS)) - 1
    for row in await session.execute(stmt):
        measures = Measures(*(int(v) for v in row[-8:]))
        if row.grouping == all_bits:
            cells.append(Cell(None, None, measures))
            continue
        position = next(
            i for i in range(len(DIMENSIONS)) if not row.grouping >> (len(DIMENSIONS) - 1 - i) & 1
        )
        cells.append(Cell(DIMENSIONS[position], row[1 + position], measures))
    return cells


async def plan_progress(session: AsyncSession, *, start: datetime, end: datetime) -> dict[str, float]:
    """Province-wide figures the targets are measured by, over the plan period."""
    contracted_in_plan = and_(
        Demand.contracted_at >= start, Demand.contracted_at < end, Demand.status != "closed"
    )
    below = and_(
        Demand.old_equipment_below_baseline,
        Demand.published_at >= start,
        Demand.published_at < end,
    )
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(Demand.contracted_amount_cny).filter(contracted_in_plan), 0),
                func.count().filter(below),
                func.count().filter(
                    and_(below, Demand.contracted_at.is_not(None), Demand.status != "closed")
                ),
            )
        )
    ).one()
    contracted_cny, below_posted, below_contracted = (int(v) for v in row)
    figures: dict[str, float] = {"contracted_cny": float(contracted_cny)}
    if below_posted:
        figures["below_baseline_share_contracted"] = below_contracted / below_posted
    return figures


async def names(
    session: AsyncSession,
) -> tuple[list[tuple[str, str]], dict[str, Industry], list[tuple[str, str]]]:
    """Regions (code order), industries by code, and task types (plan order)."""
    regions = [(r.code, r.name) for r in await session.scalars(select(Region).order_by(Region.code))]
    industries = {i.code: i for i in await session.scalars(select(Industry))}
    tasks = [
        (t.code, t.name)
        for t in await session.scalars(select(TaskType).order_by(TaskType.position, TaskType.code))
    ]
    return regions, industries, tasks
