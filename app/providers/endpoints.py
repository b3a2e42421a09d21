"""The published directory (名录) of vetted solution suppliers, design institutes and engineering firms."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import OptionalPrincipal, SessionDep, viewer_of
from app.kernel import IndustryCode, ProviderType, RegionCode
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.organizations import service as organizations
from app.providers import service
from app.providers.repository import ProviderFilters
from app.providers.schemas import ProviderList

router = APIRouter(tags=["providers"])


@router.get(
    "/providers",
    operation_id="list_providers",
    responses=problems(401, 422),
    summary="The vetted provider directory, filterable by type, region and industry",
)
async def list_providers(
    session: SessionDep,
    principal: OptionalPrincipal,
    page: PageParamsDep,
    provider_type: ProviderType | None = None,
    region_code: RegionCode | None = None,
    industry_code: IndustryCode | None = None,
) -> ProviderList:
    """Public: the directory (名录) of vetted solution suppliers, design institutes and engineering
    firms, newest first, paged with `cursor`. `region_code` and `industry_code` match the provider's
    home or its declared coverage. Admins, and members of a listed provider, also see its private
    fields."""
    rows, cursor = await service.page_directory(
        session,
        ProviderFilters(provider_type=provider_type, region_code=region_code, industry_code=industry_code),
        page,
    )
    viewer = viewer_of(principal)
    return ProviderList(
        items=[await organizations.to_out(session, o, viewer) for o in rows], next_cursor=cursor
    )
