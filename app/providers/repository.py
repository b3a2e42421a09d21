"""Queries for the provider directory (名录)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.kit.sql import array_has, region_overlap, region_within
from app.models.organization import Organization


@dataclass(frozen=True)
class ProviderFilters:
    provider_type: str | None = None
    region_code: str | None = None
    industry_code: str | None = None


async def page_vetted(
    session: AsyncSession, filters: ProviderFilters, params: PageParams
) -> tuple[list[Organization], str | None]:
    """Vetted provider organizations; region and industry match the home or the declared coverage."""
    stmt = select(Organization).where(
        Organization.kind == "provider", Organization.vetting_status == "vetted"
    )
    if filters.provider_type:
        stmt = stmt.where(array_has(Organization.provider_types, filters.provider_type))
    if filters.region_code:
        stmt = stmt.where(
            or_(
                Organization.region_code.in_(region_within(filters.region_code)),
                Organization.service_region_codes.overlap(region_overlap(filters.region_code)),
                func.cardinality(Organization.service_region_codes) == 0,
            )
        )
    if filters.industry_code:
        stmt = stmt.where(
            or_(
                Organization.industry_code == filters.industry_code,
                array_has(Organization.industry_codes, filters.industry_code),
            )
        )
    return await keyset_page(session, stmt, keys=[Organization.created_at, Organization.id], params=params)
