"""Products: drafts, review, listing, and what each viewer may see."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Viewer
from app.catalog.service import category_subtree, require_code, require_codes
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.kit.etag import check_if_match
from app.kit.pagination import PageParams
from app.models.base import utcnow
from app.models.catalog import EquipmentCategory, Industry, Region
from app.models.product import Product, ProductReview
from app.organizations import service as organizations
from app.products import repository
from app.products.repository import ProductFilters
from app.products.schemas import ProductCreate, ProductReviewIn, ProductUpdate

ETAG_KIND = "product"
_REQUIRED = (
    "name",
    "model",
    "category_code",
    "industry_codes",
    "description",
    "price_min_cny",
    "price_max_cny",
    "made_in_sichuan",
    "service_region_codes",
    "certifications",
)
# action -> statuses it may be taken from
SUBMITTABLE = frozenset({"draft", "rejected", "withdrawn"})
WITHDRAWABLE = frozenset({"listed", "pending_review"})


async def _check_references(session: AsyncSession, fields: dict[str, Any]) -> None:
    if fields.get("category_code") is not None:
        await require_code(session, EquipmentCategory, fields["category_code"], loc=["body", "category_code"])
    if fields.get("industry_codes"):
        await require_codes(session, Industry, fields["industry_codes"], loc=["body", "industry_codes"])
    if fields.get("service_region_codes"):
        await require_codes(
            session, Region, fields["service_region_codes"], loc=["body", "service_region_codes"]
        )


async def create_product(
    session: AsyncSession, data: ProductCreate, *, organization_id: uuid.UUID
) -> Product:
    """A new draft product of the caller's supplier organization."""
    fields = data.model_dump()
    await _check_references(session, fields)
    product = Product(organization_id=organization_id, status="draft", **fields)
    session.add(product)
    await session.flush()
    return product


def imported_listing(
    data: ProductCreate, *, organization_id: uuid.UUID, admin_user_id: uuid.UUID, note: str
) -> tuple[Product, ProductReview]:
    """A product an admin lists straight from the official supply list, with its review record; the
    admin's import confirms its 四川造 claim. Catalog codes are the caller's to have checked."""
    now = utcnow()
    product = Product(
        id=uuid.uuid4(),
        organization_id=organization_id,
        status="listed",
        submitted_at=now,
        listed_at=now,
        reviewed_at=now,
        reviewed_by_id=admin_user_id,
        review_note=note,
        **data.model_dump(),
    )
    product.made_in_sichuan_verified = product.made_in_sichuan
    review = ProductReview(
        product_id=product.id,
        decision="approve",
        note=note,
        made_in_sichuan_confirmed=product.made_in_sichuan or None,
        decided_by_id=admin_user_id,
        decided_at=now,
    )
    return product, review


def _is_public(product: Product | Row[Any], supplier_status: str | None) -> bool:
    return product.status == "listed" and supplier_status == "vetted"


async def get_visible(session: AsyncSession, product_id: uuid.UUID, viewer: Viewer) -> Product:
    """Listed products of vetted suppliers are public; anything else only for the owner and admins."""
    product = await repository.get(session, product_id)
    if product is None:
        raise NotFound("No such product.", zh="没有这个产品。")
    if viewer.is_admin or viewer.organization_id == product.organization_id:
        return product
    if not _is_public(product, await repository.supplier_status(session, product.organization_id)):
        raise NotFound("No such product.", zh="没有这个产品。")
    return product


async def get_view(
    session: AsyncSession, product_id: uuid.UUID, viewer: Viewer
) -> tuple[Row[Any], dict[str, Any]]:
    """The product and what this viewer may see of it; same visibility as get_visible, one query."""
    row = await repository.detail_row(session, product_id)
    if row is None:
        raise NotFound("No such product.", zh="没有这个产品。")
    private = viewer.is_admin or viewer.organization_id == row.organization_id
    if not private and not _is_public(row, row.supplier_status):
        raise NotFound("No such product.", zh="没有这个产品。")
    return row, view(row, viewer, row.supplier_name)


async def _get_owned_for_update(session: AsyncSession, product_id: uuid.UUID, viewer: Viewer) -> Product:
    product = await get_visible(session, product_id, viewer)
    if viewer.organization_id != product.organization_id:
        raise Forbidden(
            "Only the supplier that lists this product may change it.",
            zh="只有上架该产品的供应商才能修改它。",
        )
    locked = await repository.get(session, product_id, for_update=True)
    assert locked is not None
    return locked


async def update_product(
    session: AsyncSession, product_id: uuid.UUID, data: ProductUpdate, *, viewer: Viewer, if_match: str | None
) -> Product:
    """Edit a product; a listed product that changes goes back to review."""
    product = await _get_owned_for_update(session, product_id, viewer)
    if product.status != "draft":
        viewer.require("manager", action="Editing a submitted product", action_zh="修改已提交的产品")
    check_if_match(if_match, ETAG_KIND, product.version)
    fields = data.model_dump(exclude_unset=True)
    for name in _REQUIRED:
        if name in fields and fields[name] is None:
            raise InvalidInput(["body", name], "may not be null", zh="不能为 null")
    await _check_references(session, fields)
    changed = {name: value for name, value in fields.items() if getattr(product, name) != value}
    for name, value in changed.items():
        setattr(product, name, value)
    if product.price_min_cny > product.price_max_cny:
        raise InvalidInput(
            ["body", "price_max_cny"], "must be at least price_min_cny", zh="不能小于 price_min_cny"
        )
    if changed:
        if product.status == "listed":
            product.status = "pending_review"
            product.submitted_at = utcnow()
        if "made_in_sichuan" in changed:
            product.made_in_sichuan_verified = False
        product.version += 1
        product.updated_at = utcnow()
    await session.flush()
    return product


async def submit_product(session: AsyncSession, product_id: uuid.UUID, *, viewer: Viewer) -> Product:
    product = await _get_owned_for_update(session, product_id, viewer)
    if product.status not in SUBMITTABLE:
        raise Conflict(
            f"A {product.status} product cannot be submitted for review; "
            f"allowed from: {', '.join(sorted(SUBMITTABLE))}.",
            zh=f"状态为 {product.status} 的产品不能提交审核；"
            f"只能从以下状态提交：{', '.join(sorted(SUBMITTABLE))}。",
        )
    product.status = "pending_review"
    product.submitted_at = utcnow()
    product.version += 1
    await session.flush()
    return product


async def withdraw_product(session: AsyncSession, product_id: uuid.UUID, *, viewer: Viewer) -> Product:
    product = await _get_owned_for_update(session, product_id, viewer)
    if product.status not in WITHDRAWABLE:
        raise Conflict(
            f"A {product.status} product cannot be withdrawn.", zh=f"状态为 {product.status} 的产品不能撤回。"
        )
    product.status = "withdrawn"
    product.version += 1
    await session.flush()
    return product


async def review_product(
    session: AsyncSession, product_id: uuid.UUID, data: ProductReviewIn, *, admin_user_id: uuid.UUID
) -> Product:
    """An admin lists or rejects a product under review, confirming or not its 四川造 claim."""
    product = await repository.get(session, product_id, for_update=True)
    if product is None:
        raise NotFound("No such product.", zh="没有这个产品。")
    if product.status != "pending_review":
        raise Conflict(
            f"Only products pending review can be reviewed; this one is {product.status}.",
            zh=f"只有待审核的产品才能审核，该产品状态为 {product.status}。",
        )
    confirmed = data.made_in_sichuan_confirmed
    if data.decision == "approve" and product.made_in_sichuan and confirmed is None:
        # The contract's `{decision, note}`: approving a claimed 四川造 product confirms the claim.
        confirmed = True
    now = utcnow()
    session.add(
        ProductReview(
            product_id=product.id,
            decision=data.decision,
            note=data.note,
            made_in_sichuan_confirmed=confirmed,
            decided_by_id=admin_user_id,
            decided_at=now,
        )
    )
    if data.decision == "approve":
        product.status = "listed"
        product.listed_at = now
        product.made_in_sichuan_verified = bool(product.made_in_sichuan and confirmed)
    else:
        product.status = "rejected"
    product.review_note = data.note or None
    product.reviewed_at = now
    product.reviewed_by_id = admin_user_id
    product.version += 1
    await session.flush()
    return product


async def get_own_listed(session: AsyncSession, product_id: uuid.UUID, organization_id: uuid.UUID) -> Product:
    """A listed product of this organization, for quoting it (422 otherwise)."""
    product = await repository.get(session, product_id)
    if product is None or product.organization_id != organization_id or product.status != "listed":
        raise InvalidInput(
            ["body", "product_id"], "must be one of your own listed products", zh="必须是本机构已上架的产品"
        )
    return product


async def page_listed(
    session: AsyncSession,
    *,
    category_code: str | None,
    industry_code: str | None,
    region_code: str | None,
    made_in_sichuan: bool | None,
    energy_grade_max: int | None,
    price_max_cny: int | None,
    params: PageParams,
    viewer: Viewer,
) -> tuple[list[dict[str, Any]], str | None]:
    """Listed products of vetted suppliers as views, most recently listed first."""
    subtree = (
        await category_subtree(session, category_code, loc=["query", "category_code"])
        if category_code
        else None
    )
    filters = ProductFilters(
        category_codes=subtree,
        industry_code=industry_code,
        region_code=region_code,
        made_in_sichuan=made_in_sichuan,
        energy_grade_max=energy_grade_max,
        price_max_cny=price_max_cny,
    )
    rows, cursor = await repository.page_listed(session, filters, params)
    return [view(row, viewer, row.supplier_name) for row in rows], cursor


async def page_owned(
    session: AsyncSession, organization_id: uuid.UUID, status: str | None, params: PageParams
) -> tuple[list[Product], str | None]:
    return await repository.page_owned(session, organization_id, status, params)


async def page_pending_review(session: AsyncSession, params: PageParams) -> tuple[list[Product], str | None]:
    return await repository.page_pending_review(session, params)


async def views(session: AsyncSession, products: list[Product], viewer: Viewer) -> list[dict[str, Any]]:
    """What this viewer may see of each product (shape: ProductOut)."""
    names = await organizations.names(session, {p.organization_id for p in products})
    return [view(p, viewer, names.get(p.organization_id, "")) for p in products]


async def view_one(session: AsyncSession, product: Product, viewer: Viewer) -> dict[str, Any]:
    return (await views(session, [product], viewer))[0]


def view(product: Product | Row[Any], viewer: Viewer, supplier_name: str) -> dict[str, Any]:
    """A product as ProductOut, built as a plain dict (a hot read path)."""
    private = viewer.is_admin or viewer.organization_id == product.organization_id
    return {
        "id": product.id,
        "name": product.name,
        "model": product.model,
        "category_code": product.category_code,
        "industry_codes": product.industry_codes,
        "description": product.description,
        "price_min_cny": product.price_min_cny,
        "price_max_cny": product.price_max_cny,
        "energy_grade": product.energy_grade,
        "made_in_sichuan": product.made_in_sichuan,
        "made_in_sichuan_verified": product.made_in_sichuan_verified,
        "service_region_codes": product.service_region_codes,
        "lead_time_days": product.lead_time_days,
        "certifications": product.certifications,
        "status": product.status,
        "supplier": {"id": product.organization_id, "name": supplier_name},
        "listed_at": product.listed_at,
        "review_note": product.review_note if private else None,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


async def refs(session: AsyncSession, product_ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    """(name, model) of products, for embedding product references."""
    return await repository.get_refs(session, product_ids)
