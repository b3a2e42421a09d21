"""The provider directory (名录): only vetted providers are listed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams
from app.models.organization import Organization
from app.providers import repository
from app.providers.repository import ProviderFilters


async def page_directory(
    session: AsyncSession, filters: ProviderFilters, params: PageParams
) -> tuple[list[Organization], str | None]:
    return await repository.page_vetted(session, filters, params)
