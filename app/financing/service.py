"""Financing products banks publish, with eligibility criteria."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Viewer
from app.catalog.service import require_code, require_codes
from app.errors import Forbidden, InvalidInput, NotFound
from app.financing import repository
from app.financing.repository import FinancingFilters
from app.financing.schemas import FinancingProductCreate, FinancingProductOut, FinancingProductUpdate
from app.kernel import OrganizationRef
from app.kit.etag import check_if_match
from app.kit.pagination import PageParams
from app.models.base import utcnow
from app.models.catalog import FinancingType, Industry, Region
from app.models.financing import FinancingProduct
from app.organizations import service as organizations

ETAG_KIND = "financing-product"
_REQUIRED = (
    "name",
    "description",
    "amount_min_cny",
    "amount_max_cny",
    "term_min_months",
    "term_max_months",
    "region_codes",
    "industry_codes",
    "task_types",
    "relending_eligible",
    "is_active",
)


async def _check_references(session: AsyncSession, fields: dict[str, Any]) -> None:
    if fields.get("financing_type") is not None:
        await require_code(session, FinancingType, fields["financing_type"], loc=["body", "financing_type"])
    if fields.get("region_codes"):
        await require_codes(session, Region, fields["region_codes"], loc=["body", "region_codes"])
    if fields.get("industry_codes"):
        await require_codes(session, Industry, fields["industry_codes"], loc=["body", "industry_codes"])


async def create_financing_product(
    session: AsyncSession, data: FinancingProductCreate, *, organization_id: uuid.UUID, bank_vetted: bool
) -> FinancingProduct:
    """Publish a financing product; only vetted banks may."""
    if not bank_vetted:
        raise Forbidden(
            "Only a vetted bank may publish financing products; wait for vetting to finish.",
            zh="只有通过审核的银行才能发布金融产品，请等待审核完成。",
        )
    fields = data.model_dump()
    await _check_references(session, fields)
    product = FinancingProduct(organization_id=organization_id, **fields)
    session.add(product)
    await session.flush()
    return product


async def get_visible(session: AsyncSession, product_id: uuid.UUID, viewer: Viewer) -> FinancingProduct:
    product = await repository.get(session, product_id)
    if product is None:
        raise NotFound("No such financing product.", zh="没有这个金融产品。")
    if viewer.is_admin or viewer.organization_id == product.organization_id:
        return product
    if not product.is_active or await repository.bank_status(session, product.organization_id) != "vetted":
        raise NotFound("No such financing product.", zh="没有这个金融产品。")
    return product


async def update_financing_product(
    session: AsyncSession,
    product_id: uuid.UUID,
    data: FinancingProductUpdate,
    *,
    viewer: Viewer,
    if_match: str | None,
) -> FinancingProduct:
    product = await get_visible(session, product_id, viewer)
    if viewer.organization_id != product.organization_id:
        raise Forbidden(
            "Only the bank that publishes this product may change it.",
            zh="只有发布该金融产品的银行才能修改它。",
        )
    product = await repository.get(session, product_id, for_update=True) or product
    check_if_match(if_match, ETAG_KIND, product.version)
    fields = data.model_dump(exclude_unset=True)
    for name in _REQUIRED:
        if name in fields and fields[name] is None:
            raise InvalidInput(["body", name], "may not be null", zh="不能为 null")
    await _check_references(session, fields)
    for name, value in fields.items():
        setattr(product, name, value)
    if product.amount_min_cny > product.amount_max_cny:
        raise InvalidInput(
            ["body", "amount_max_cny"], "must be at least amount_min_cny", zh="不能小于 amount_min_cny"
        )
    if product.term_min_months > product.term_max_months:
        raise InvalidInput(
            ["body", "term_max_months"], "must be at least term_min_months", zh="不能小于 term_min_months"
        )
    if (
        product.rate_min_pct is not None
        and product.rate_max_pct is not None
        and product.rate_min_pct > product.rate_max_pct
    ):
        raise InvalidInput(
            ["body", "rate_max_pct"], "must be at least rate_min_pct", zh="不能小于 rate_min_pct"
        )
    if fields:
        product.version += 1
        product.updated_at = utcnow()
    await session.flush()
    return product


async def page_active(
    session: AsyncSession, filters: FinancingFilters, params: PageParams
) -> tuple[list[FinancingProduct], str | None]:
    if filters.financing_type:
        await require_code(session, FinancingType, filters.financing_type, loc=["query", "financing_type"])
    return await repository.page_active(session, filters, params)


async def page_owned(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[FinancingProduct], str | None]:
    return await repository.page_owned(session, organization_id, params)


async def to_out_many(session: AsyncSession, products: list[FinancingProduct]) -> list[FinancingProductOut]:
    names = await organizations.names(session, {p.organization_id for p in products})
    return [
        FinancingProductOut(
            id=p.id,
            name=p.name,
            financing_type=p.financing_type,
            description=p.description,
            amount_min_cny=p.amount_min_cny,
            amount_max_cny=p.amount_max_cny,
            term_min_months=p.term_min_months,
            term_max_months=p.term_max_months,
            rate_min_pct=float(p.rate_min_pct) if p.rate_min_pct is not None else None,
            rate_max_pct=float(p.rate_max_pct) if p.rate_max_pct is not None else None,
            region_codes=list(p.region_codes),
            industry_codes=list(p.industry_codes),
            task_types=list(p.task_types),
            relending_eligible=p.relending_eligible,
            is_active=p.is_active,
            bank=OrganizationRef(id=p.organization_id, name=names.get(p.organization_id, "")),
            created_at=p.created_at,
            updated_at=p.updated_at,
        )
        for p in products
    ]


async def to_out(session: AsyncSession, product: FinancingProduct) -> FinancingProductOut:
    return (await to_out_many(session, [product]))[0]
