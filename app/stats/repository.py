"""The statistics queries, on the maintained aggregates of migration 0010: whole months from the cells (and
the deltas the worker has not folded in yet), part months from the demands' facts; one pass groups them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.catalog import Industry, Region, TaskType
from app.models.stats import MEASURES

TIMEZONE = "Asia/Shanghai"


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


@dataclass(frozen=True)
class Split:
    """A period as whole posted months (read from the cells) and the days of part months around them (read
    from the demands' facts): `first_month`..`last_month` inclusive, possibly empty."""

    first_month: str
    last_month: str
    days: tuple[tuple[date, date], ...]


def _month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _last_day(day: date) -> date:
    return _next_month(day) - timedelta(days=1)


def split_period(start: date | None, end: date | None) -> Split:
    """Beijing dates, both inclusive; None is open."""
    if start is not None and end is not None and (start.year, start.month) == (end.year, end.month):
        if start.day == 1 and end == _last_day(end):
            key = _month_key(start.year, start.month)
            return Split(key, key, ())
        return Split("9999-99", "0000-00", ((start, end),) if start <= end else ())
    days: list[tuple[date, date]] = []
    first_month, last_month = "0000-00", "9999-99"
    if start is not None:
        first = start
        if start.day != 1:
            days.append((start, _last_day(start)))
            first = _next_month(start)
        first_month = _month_key(first.year, first.month)
    if end is not None:
        last = end
        if end != _last_day(end):
            days.append((end.replace(day=1), end))
            last = end.replace(day=1) - timedelta(days=1)
        last_month = _month_key(last.year, last.month)
    return Split(first_month, last_month, tuple(days))


_SUMS = ", ".join(f"sum({m})::bigint AS {m}" for m in MEASURES)
_COLUMNS = ", ".join(MEASURES)

# The cells and the deltas not folded in yet cover whole months; the facts cover part months' days. Then
# one pass groups them three ways: by (dimension, key), by region and by posted month.
_IN_REGION = "(CAST(:region AS text) IS NULL OR region_code = :region)"
_GROUPED = f"""
WITH counted AS (
    SELECT posted_month, region_code, dimension, key, {_COLUMNS} FROM stats_cells
    WHERE posted_month BETWEEN :first_month AND :last_month AND {_IN_REGION}
    UNION ALL
    SELECT posted_month, region_code, dimension, key, {_COLUMNS} FROM stats_cell_deltas
    WHERE posted_month BETWEEN :first_month AND :last_month AND {_IN_REGION}
    UNION ALL
    SELECT posted_month, region_code, dimension, key, {_COLUMNS} FROM stats_fact_cells
    WHERE (posted_on BETWEEN :a1 AND :b1 OR posted_on BETWEEN :a2 AND :b2) AND {_IN_REGION}
)
SELECT GROUPING(region_code, posted_month, key) AS grouping, dimension, key, region_code, posted_month,
       {_SUMS}
FROM counted
GROUP BY GROUPING SETS ((dimension, key), (dimension, region_code), (dimension, posted_month))
"""  # noqa: S608 - the interpolated parts are this module's constants; values are bound parameters
BY_KEY, BY_REGION, BY_MONTH = 0b110, 0b011, 0b101


async def grouped_measures(
    session: AsyncSession, *, start: date | None, end: date | None, region_code: str | None
) -> list[Cell]:
    """Measures of the demands posted in [start, end] (Beijing dates, inclusive): the total and each
    value of each dimension, from the maintained cells (migration 0010), exact at once."""
    split = split_period(start, end)
    days = [*split.days, (None, None), (None, None)]
    params = {
        "first_month": split.first_month,
        "last_month": split.last_month,
        "region": region_code,
        "a1": days[0][0],
        "b1": days[0][1],
        "a2": days[1][0],
        "b2": days[1][1],
    }
    cells: list[Cell] = []
    for row in await session.execute(text(_GROUPED), params):
        measures = Measures(*(int(getattr(row, m)) for m in MEASURES[:8]))
        if row.grouping == BY_KEY:
            if row.dimension == "total":
                cells.append(Cell(None, None, measures))
            else:
                cells.append(Cell(row.dimension, row.key, measures))
        elif row.dimension == "total":
            dimension, key = (
                ("region", row.region_code)
                if row.grouping == BY_REGION
                else ("posted_month", row.posted_month)
            )
            cells.append(Cell(dimension, key, measures))
    return cells


_PLAN = """
WITH counted AS (
    SELECT posted_month, dimension, key, contracted_cny, below_baseline, below_baseline_contracted
    FROM stats_cells
    UNION ALL
    SELECT posted_month, dimension, key, contracted_cny, below_baseline, below_baseline_contracted
    FROM stats_cell_deltas
)
SELECT
    coalesce(sum(contracted_cny)
             FILTER (WHERE dimension = 'contracted_month' AND key BETWEEN :first AND :last), 0),
    coalesce(sum(below_baseline)
             FILTER (WHERE dimension = 'total' AND posted_month BETWEEN :first AND :last), 0),
    coalesce(sum(below_baseline_contracted)
             FILTER (WHERE dimension = 'total' AND posted_month BETWEEN :first AND :last), 0)
FROM counted
"""


async def plan_progress(session: AsyncSession, *, start: date, end: date) -> dict[str, float]:
    """Province-wide figures the targets are measured by, over the plan period (whole months, inclusive):
    yuan contracted in it (closed deals excepted), and the share of demands posted in it replacing
    equipment below the energy baseline that got contracted."""
    split = split_period(start, end)
    if split.days:
        raise ValueError(f"the plan period {start}..{end} is not whole months (seed/data/plan_targets.json)")
    row = (await session.execute(text(_PLAN), {"first": split.first_month, "last": split.last_month})).one()
    contracted_cny, below_posted, below_contracted = (int(v) for v in row)
    figures: dict[str, float] = {"contracted_cny": float(contracted_cny)}
    if below_posted:
        figures["below_baseline_share_contracted"] = below_contracted / below_posted
    return figures


async def compact(session: AsyncSession) -> int:
    """Fold the deltas into the cells (the worker does, every few seconds); how many it folded."""
    return int(await session.scalar(text("SELECT stats_compact()")) or 0)


async def names(
    session: AsyncSession,
) -> tuple[list[tuple[str, str]], dict[str, Industry], list[tuple[str, str]]]:
    """市州 (code order), industries by code, and task types (plan order)."""
    regions = [
        (r.code, r.name)
        for r in await session.scalars(select(Region).where(Region.level == "city").order_by(Region.code))
    ]
    industries = {i.code: i for i in await session.scalars(select(Industry))}
    tasks = [
        (t.code, t.name)
        for t in await session.scalars(select(TaskType).order_by(TaskType.position, TaskType.code))
    ]
    return regions, industries, tasks
