"""Statistics for 经信部门: where demand, matching, contracts and financing stand against the plan."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import AdminPrincipal, SessionDep
from app.kit.problems import problems
from app.stats import service
from app.stats.schemas import Overview

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
