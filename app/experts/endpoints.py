"""The expert pool (技改专家智库), and experts' reviews of 一对一技改方案."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.deps import OperatorPrincipal, SessionDep
from app.experts import service
from app.experts.schemas import ExpertIn, ExpertList, ExpertOut
from app.kernel import IndustryCode, RegionCode
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems

router = APIRouter(tags=["service network"])


@router.post(
    "/experts",
    status_code=status.HTTP_201_CREATED,
    operation_id="add_expert",
    responses=problems(401, 403, 409, 413, 422),
    summary="Add a user of a government office or provider to the expert pool",
)
async def add_expert(body: ExpertIn, principal: OperatorPrincipal, session: SessionDep) -> ExpertOut:
    """Operators (and admins): the expert's fields, industries (GB/T 4754 codes: a division covers its
    classes) and the region they serve, inside the operator's own (422 otherwise). The user must be active
    in a vetted `gov` or `provider` organization (422); a user is in the pool once (409)."""
    expert = await service.add(session, body, viewer=principal.viewer, user_id=principal.user.id)
    return await service.get_out(session, expert.id)


@router.get(
    "/experts",
    operation_id="list_experts",
    responses=problems(401, 403, 422),
    summary="Experts serving a region, by industry or field",
)
async def list_experts(
    principal: OperatorPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    region_code: RegionCode | None = None,
    industry_code: IndustryCode | None = None,
    field: str | None = None,
) -> ExpertList:
    """Operators: active experts whose region covers `region_code` (default: the operator's own) or lies
    inside it; `industry_code` keeps those covering that industry (or any), `field` those with that field.
    Newest first, paged with `cursor`."""
    return await service.page(
        session,
        page,
        viewer=principal.viewer,
        region_code=region_code,
        industry_code=industry_code,
        field=field,
    )
