"""GET /stats/coverage: the 全川行 against its target, per 市州 (for the province) or per 区县 (for a 市州):
规上 enterprises, those diagnosed, plans delivered, items turned into demands, applications by stage and
the yuan granted. Every count is one grouped query over the rows' region codes (a 区县's first four
digits are its 市州's: app/auth/scope.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import scope
from app.models.catalog import Region
from app.models.demand import Demand
from app.models.diagnosis import Diagnosis, PlanItem
from app.models.organization import Organization
from app.models.policy import PolicyApplication
from app.operators import service as operators
from app.stats.schemas import Coverage, CoverageRow

STATUSES = ("submitted", "accepted", "reviewed", "publicized", "granted", "rejected")


def _key(column: Any, per_city: bool) -> Any:
    """The row a region code counts in: its 市州 (per city), or itself (per county)."""
    return func.left(column, 4).concat("00") if per_city else column


async def coverage(session: AsyncSession, region_code: str) -> Coverage:
    per_city = scope.level_of(region_code) == "province"
    prefix = scope.prefix(region_code)
    level = "city" if per_city else "county"
    regions = (
        await session.execute(
            select(Region.code, Region.name)
            .where(Region.level == level, Region.code.startswith(prefix))
            .order_by(Region.code)
        )
    ).all()
    names: dict[str, str] = {code: name for code, name in regions}
    asked = await session.get(Region, region_code)
    if not per_city and asked is not None:
        names.setdefault(region_code, f"{asked.name}（市本级）")

    above = (
        Organization.kind == "enterprise",
        Organization.above_designated_size.is_(True),
        Organization.region_code.startswith(prefix),
    )
    at_enterprise = _key(Organization.region_code, per_city)
    at_diagnosis = _key(Diagnosis.region_code, per_city)
    at_application = _key(PolicyApplication.region_code, per_city)
    enterprises = await session.execute(
        select(at_enterprise, func.count()).where(*above).group_by(at_enterprise)
    )
    diagnosed = await session.execute(
        select(at_enterprise, func.count(func.distinct(Organization.id)))
        .join(Diagnosis, Diagnosis.organization_id == Organization.id)
        .where(*above, Diagnosis.visited_at.is_not(None))
        .group_by(at_enterprise)
    )
    delivered = await session.execute(
        select(at_diagnosis, func.count())
        .where(Diagnosis.delivered_at.is_not(None), Diagnosis.region_code.startswith(prefix))
        .group_by(at_diagnosis)
    )
    converted = await session.execute(
        select(at_diagnosis, func.count())
        .select_from(PlanItem)
        .join(Diagnosis, Diagnosis.id == PlanItem.diagnosis_id)
        .join(Demand, Demand.plan_item_id == PlanItem.id)
        .where(Diagnosis.region_code.startswith(prefix))
        .group_by(at_diagnosis)
    )
    applications = await session.execute(
        select(
            at_application,
            PolicyApplication.status,
            func.count(),
            func.coalesce(func.sum(PolicyApplication.granted_cny), 0),
        )
        .where(PolicyApplication.region_code.startswith(prefix))
        .group_by(at_application, PolicyApplication.status)
    )
    counts: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"above": 0, "diagnosed": 0, "delivered": 0, "converted": 0, "apps": {}, "granted": 0}
    )
    for key, n in enterprises.all():
        counts[key]["above"] = int(n)
    for key, n in diagnosed.all():
        counts[key]["diagnosed"] = int(n)
    for key, n in delivered.all():
        counts[key]["delivered"] = int(n)
    for key, n in converted.all():
        counts[key]["converted"] = int(n)
    for key, status, n, granted in applications.all():
        counts[key]["apps"][status] = int(n)
        counts[key]["granted"] += int(granted)

    async def row(code: str, name: str, c: dict[str, Any]) -> CoverageRow:
        _threshold, (target, _from) = await operators.effective_settings(session, code)
        return CoverageRow(
            region_code=code,
            name=name,
            above_size_enterprises=c["above"],
            diagnosed=c["diagnosed"],
            diagnosed_pct=round(c["diagnosed"] * 100 / c["above"], 1) if c["above"] else None,
            target_pct=target,
            plans_delivered=c["delivered"],
            items_to_demands=c["converted"],
            applications_by_status={s: c["apps"].get(s, 0) for s in STATUSES},
            granted_cny=c["granted"],
        )

    rows = [
        await row(code, name, counts[code])
        for code, name in names.items()
        if code in counts or code != region_code
    ]
    total: dict[str, Any] = {
        "above": 0,
        "diagnosed": 0,
        "delivered": 0,
        "converted": 0,
        "apps": {},
        "granted": 0,
    }
    for c in counts.values():
        for field in ("above", "diagnosed", "delivered", "converted", "granted"):
            total[field] += c[field]
        for status, n in c["apps"].items():
            total["apps"][status] = total["apps"].get(status, 0) + n
    return Coverage(
        region_code=region_code,
        level=level,
        total=await row(region_code, asked.name if asked else region_code, total),
        rows=sorted(rows, key=lambda r: r.region_code),
    )
