"""The overview operators follow the plan by: cohorts of posted demands, rolled up by place, industry,
task and month, beside the plan's 2027 targets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, fields
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import scope
from app.catalog import service as catalog
from app.errors import InvalidInput
from app.models.catalog import Industry, Region
from app.models.demand import DEMAND_STATUSES
from app.stats import repository
from app.stats.repository import Cell, Measures
from app.stats.schemas import DemandCounts, Group, Investment, Month, Overview, Period, PlanTargetProgress
from app.stats.targets import PlanTargets, plan_targets

CHINA = ZoneInfo(repository.TIMEZONE)
# A month-by-month series longer than this is cut to its latest months: a chart cannot show more.
MAX_MONTHS = 120
UNKNOWN_SECTOR = "其他"


def _add(a: Measures, b: Measures) -> Measures:
    return Measures(*(getattr(a, f.name) + getattr(b, f.name) for f in fields(Measures)))


def _group(code: str, name: str, m: Measures) -> Group:
    return Group(code=code, name=name, **asdict(m))


def _largest_first(groups: Iterable[Group]) -> list[Group]:
    return sorted(groups, key=lambda g: (-g.posted_cny, -g.demands, g.code))


def _division(code: str, industries: dict[str, Industry]) -> str:
    """The GB/T 4754 大类 (letter and two digits) a code belongs to; a section stays itself."""
    division = code[:3]
    return division if division in industries else code


def _sector(code: str, industries: dict[str, Industry]) -> str:
    """The 六大优势产业 of the code, or of its nearest ancestor that has one."""
    current: str | None = code
    while current is not None and current in industries:
        if industries[current].sector:
            return industries[current].sector or UNKNOWN_SECTOR
        current = industries[current].parent_code
    return UNKNOWN_SECTOR


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    end_year, end_month = int(last[:4]), int(last[5:7])
    out: list[str] = []
    while (year, month) <= (end_year, end_month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out[-MAX_MONTHS:]


def _by_month(cells: list[Cell], start: date | None, end: date | None, today: date) -> list[Month]:
    posted = {c.key: c.measures for c in cells if c.dimension == "posted_month" and c.key}
    contracted = {c.key: c.measures for c in cells if c.dimension == "contracted_month" and c.key}
    seen = sorted({*posted, *contracted})
    if not seen and start is None:
        return []
    first = _month(start) if start else seen[0]
    last = max(_month(end or today), *(seen or [first]))
    empty = Measures()
    return [
        Month(
            month=m,
            posted=posted.get(m, empty).demands,
            posted_cny=posted.get(m, empty).posted_cny,
            contracted=contracted.get(m, empty).contracted,
            contracted_cny=contracted.get(m, empty).contracted_cny,
        )
        for m in _months(first, last)
    ]


async def _targets(session: AsyncSession, plan: PlanTargets) -> dict[str, PlanTargetProgress]:
    figures = await repository.plan_progress(session, start=plan.plan_period.from_, end=plan.plan_period.to)
    targets: dict[str, PlanTargetProgress] = {}
    for item in plan.items:
        current = figures.get(item.measure) if item.measure else None
        targets[item.code] = PlanTargetProgress(
            code=item.code,
            name=item.name,
            target=item.target,
            unit=item.unit,
            comparison=item.comparison,
            baseline=item.baseline,
            deadline=plan.plan_period.to,
            measured=item.measure is not None,
            current=current,
            progress=None if current is None else round(current / item.target, 6),
            measure_note=item.measure_note,
            basis=item.basis,
            source=item.source,
        )
    return targets


async def overview(
    session: AsyncSession, *, start: date | None, end: date | None, region_code: str | None
) -> Overview:
    """Posted demands in [start, end] (Beijing dates, both inclusive), optionally in one region."""
    if start is not None and end is not None and start > end:
        raise InvalidInput(
            ["query", "from"],
            f"'from' ({start}) is after 'to' ({end})",
            zh=f"'from'（{start}）晚于 'to'（{end}）",
        )
    if region_code is not None:
        await catalog.require_code(session, Region, region_code, loc=["query", "region_code"])
        if scope.level_of(region_code) != "city":
            raise InvalidInput(
                ["query", "region_code"],
                f"the overview is kept by 市州: use {region_code[:4]}00 (a 区县's demands count in its 市州)",
                zh=f"统计按市（州）汇总：请使用 {region_code[:4]}00（区县的需求计入所属市州）",
            )
    cells = await repository.grouped_measures(session, start=start, end=end, region_code=region_code)
    regions, industries, tasks = await repository.names(session)
    plan = plan_targets()
    total = next((c.measures for c in cells if c.dimension is None), Measures())

    def of(dimension: str) -> dict[str, Measures]:
        return {c.key: c.measures for c in cells if c.dimension == dimension and c.key is not None}

    by_region, by_task = of("region"), of("task_type")
    divisions: dict[str, Measures] = defaultdict(Measures)
    sectors: dict[str, Measures] = defaultdict(Measures)
    for code, m in of("industry").items():
        division = _division(code, industries)
        divisions[division] = _add(divisions[division], m)
        sector = _sector(code, industries)
        sectors[sector] = _add(sectors[sector], m)
    shown_regions = [(c, n) for c, n in regions if region_code is None or c == region_code]
    statuses = of("status")
    return Overview(
        period=Period(from_=start, to=end),
        region_code=region_code,
        demands=DemandCounts(
            total=total.demands,
            by_status={
                s: statuses[s].demands if s in statuses else 0 for s in DEMAND_STATUSES if s != "draft"
            },
            matched=total.matched,
            contracted=total.contracted,
            financed=total.financed,
        ),
        investment_cny=Investment(
            posted=total.posted_cny,
            matched=total.matched_cny,
            contracted=total.contracted_cny,
            financed=total.financed_cny,
        ),
        by_region=[_group(c, n, by_region.get(c, Measures())) for c, n in shown_regions],
        by_industry=_largest_first(
            _group(c, industries[c].name if c in industries else c, m) for c, m in divisions.items()
        ),
        by_sector=_largest_first(_group(s, s, m) for s, m in sectors.items()),
        by_task_type=[_group(c, n, by_task.get(c, Measures())) for c, n in tasks],
        by_month=_by_month(cells, start, end, datetime.now(CHINA).date()),
        targets=await _targets(session, plan),
        targets_source=plan.source,
        generated_at=datetime.now(UTC),
    )
