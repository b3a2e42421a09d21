"""Statistics for 经信部门: where demand, matching, contracts and financing stand against the plan."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import AdminPrincipal, OperatorPrincipal, SessionDep
from app.errors import NotFound
from app.kit.problems import problems
from app.models.catalog import Region
from app.stats import coverage, service
from app.stats.schemas import Coverage, Overview

router = APIRouter(prefix="/stats", tags=["stats"])
# The programme's years, with room on both sides; a date outside is a typo, and a 422 says so.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
FromDate = Annotated[
    date | None, Query(alias="from", ge=EARLIEST, le=LATEST, description="First day, YYYY-MM-DD.")
]
ToDate = Annotated[date | None, Query(ge=EARLIEST, le=LATEST, description="Last day, YYYY-MM-DD.")]
RegionCode = Annotated[
    str | None, Query(pattern=r"^\d{6}$", description="A 市州 code, e.g. 510100 for 成都市.")
]


@router.get(
    "/overview",
    response_model=Overview,
    response_model_by_alias=True,
    operation_id="get_stats_overview",
    responses=problems(401, 403, 422),
    summary="Demands posted, matched, contracted and financed, by city, industry, task and month",
    description=(
        "Counts the demands first published between `from` and `to` (Beijing dates, both inclusive), "
        "optionally in one 市州, and follows that cohort: matched (a quote, a shortlisted match or a "
        "contract), contracted (an accepted quote) and financed (a bank approved its lead). Money is in "
        "yuan: posted and matched sum budget ceilings, contracted sums accepted quotes, financed sums the "
        "financing asked for. The plan's 2027 targets are always province-wide over the plan period."
    ),
)
async def stats_overview(
    principal: AdminPrincipal,
    session: SessionDep,
    from_: FromDate = None,
    to: ToDate = None,
    region_code: RegionCode = None,
) -> Overview:
    """Admins only: demands posted, matched, contracted and financed, by city, industry, task and
    month, against the plan's targets; `from` after `to` is 422."""
    return await service.overview(session, start=from_, end=to, region_code=region_code)


@router.get(
    "/coverage",
    operation_id="get_stats_coverage",
    responses=problems(401, 403, 404, 422),
    summary="全川行 coverage per 市州 or 区县: 规上 enterprises diagnosed against a target, and after",
)
async def stats_coverage(
    principal: OperatorPrincipal,
    session: SessionDep,
    region_code: Annotated[
        str | None,
        Query(
            pattern=r"^\d{6}$", description="The province (its 市州) or a 市州 (its 区县); default: yours."
        ),
    ] = None,
) -> Coverage:
    """Operators and admins, inside their region (404 outside it): for each 市州 of the province, or each
    区县 of a 市州, the 规上 enterprises there (by their profile), how many a 服务专员 has visited for a
    diagnosis, the share against the coverage target operators set (`PUT /admin/service-settings/{code}`),
    plans delivered, plan items turned into demands, applications (申报) by stage and the yuan granted."""
    viewer = principal.viewer
    assert viewer.scope is not None
    code = region_code or viewer.scope.region_code
    if not viewer.oversees(code) or await session.get(Region, code) is None:
        raise NotFound("No such region in your scope.", zh="您的辖区内没有这个地区。")
    return await coverage.coverage(session, code)
