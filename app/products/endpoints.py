from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request

from app.auth.principal import ANONYMOUS, Viewer
from app.deps import (
    CurrentPrincipal,
    IfMatchHeader,
    ManagerPrincipal,
    OptionalPrincipal,
    SessionDep,
    SupplierPrincipal,
    viewer_of,
)
from app.kernel import CategoryCode, IndustryCode, ProductStatus, RegionCode
from app.kit.etag import etag_for
from app.kit.idempotency import IdempotencyKeyHeader, idempotent_create
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.models.product import Product
from app.products import service
from app.products.schemas import ProductCreate, ProductList, ProductOut, ProductUpdate

router = APIRouter(tags=["products"])


async def _one(session: SessionDep, product: Product, viewer: Viewer) -> FastJSONResponse:
    body = await service.view_one(session, product, viewer)
    return FastJSONResponse(body, headers={"ETag": etag_for(service.ETAG_KIND, product.version)})


@router.post(
    "/products",
    status_code=201,
    response_model=ProductOut,
    operation_id="create_product",
    responses=problems(401, 403, 409, 413, 422),
    summary="Add a product to the supply list as a draft",
)
async def create_product(
    body: ProductCreate,
    request: Request,
    principal: SupplierPrincipal,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FastJSONResponse:
    """Supplier accounts only (403 for other kinds): adds a `draft` product to the caller's supply
    list; it is public only after an admin lists it (submit it for review). Category, industry and
    region codes are checked against the catalog (422). Send an `Idempotency-Key` to retry safely; the
    answer carries a `Location` header."""

    async def create() -> dict[str, Any]:
        product = await service.create_product(session, body, organization_id=principal.organization.id)
        return service.view(product, principal.viewer, principal.organization.name)

    return await idempotent_create(
        session,
        user_id=principal.user.id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
        create=create,
        location="/api/v1/products/{id}",
    )


@router.get(
    "/products",
    response_model=ProductList,
    operation_id="list_products",
    responses=problems(422),
    summary="Listed products of vetted suppliers (优质产品供给清单), newest first",
)
async def list_products(
    session: SessionDep,
    page: PageParamsDep,
    category_code: CategoryCode | None = Query(default=None, description="This category or any below it."),
    industry_code: IndustryCode | None = None,
    region_code: RegionCode | None = Query(default=None, description="Products serving this 市州."),
    made_in_sichuan: bool | None = Query(default=None, description="Admin-verified 四川造 only."),
    energy_grade_max: int | None = Query(default=None, ge=1, le=3),
    price_max_cny: int | None = Query(default=None, ge=0, le=10**12),
) -> FastJSONResponse:
    """Public: listed products of vetted suppliers (优质产品供给清单), most recently listed first, paged with
    `cursor`. `category_code` takes the category and everything below it; `made_in_sichuan=true` keeps
    only products whose 四川造 claim an admin verified; `region_code` keeps products serving that 市州 (an
    empty service area is the whole province)."""
    items, cursor = await service.page_listed(
        session,
        category_code=category_code,
        industry_code=industry_code,
        region_code=region_code,
        made_in_sichuan=made_in_sichuan,
        energy_grade_max=energy_grade_max,
        price_max_cny=price_max_cny,
        params=page,
        viewer=ANONYMOUS,
    )
    return FastJSONResponse({"items": items, "next_cursor": cursor})


@router.get(
    "/me/products",
    response_model=ProductList,
    operation_id="list_my_products",
    responses=problems(401, 403, 422),
    summary="The caller's own products, in any status",
)
async def list_my_products(
    session: SessionDep,
    principal: SupplierPrincipal,
    page: PageParamsDep,
    status: ProductStatus | None = None,
) -> FastJSONResponse:
    """Supplier accounts only: the caller's organization's own products in any status (optionally one
    `status`), newest first, paged with `cursor`, with the review note."""
    rows, cursor = await service.page_owned(session, principal.organization.id, status, page)
    items = [service.view(p, principal.viewer, principal.organization.name) for p in rows]
    return FastJSONResponse({"items": items, "next_cursor": cursor})


@router.get(
    "/products/{product_id}",
    response_model=ProductOut,
    operation_id="get_product",
    responses=problems(401, 404, 422),
    summary="One product (unlisted ones: owner and admins)",
)
async def get_product(
    product_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipal
) -> FastJSONResponse:
    """Anyone may read a listed product of a vetted supplier; any other product exists only for its
    supplier and admins (404 for everyone else), who also see the review note. The `ETag` is the one
    to send as `If-Match` when editing."""
    product, body = await service.get_view(session, product_id, viewer_of(principal))
    return FastJSONResponse(body, headers={"ETag": etag_for(service.ETAG_KIND, product.version)})


@router.patch(
    "/products/{product_id}",
    response_model=ProductOut,
    operation_id="update_product",
    responses=problems(401, 403, 404, 409, 412, 413, 422),
    summary="Edit a product (a listed one goes back to review)",
)
async def update_product(
    product_id: uuid.UUID,
    body: ProductUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    if_match: IfMatchHeader = None,
) -> FastJSONResponse:
    """The supplier that lists the product edits it (403 for others who can see it); only the fields
    sent change. A listed product that changes goes back to `pending_review`, and changing
    `made_in_sichuan` clears the admin's 四川造 verification. Send the `ETag` from a GET as `If-Match`
    (412 when stale); null for required fields, unknown codes or `price_max_cny` below `price_min_cny`
    are 422."""
    product = await service.update_product(
        session, product_id, body, viewer=principal.viewer, if_match=if_match
    )
    return await _one(session, product, principal.viewer)


@router.post(
    "/products/{product_id}/submit",
    response_model=ProductOut,
    operation_id="submit_product",
    responses=problems(401, 403, 404, 409, 422),
    summary="Submit a draft, rejected or withdrawn product for review",
)
async def submit_product(
    product_id: uuid.UUID, session: SessionDep, principal: ManagerPrincipal
) -> FastJSONResponse:
    """The owning supplier submits a `draft`, `rejected` or `withdrawn` product for admin review; it
    becomes `pending_review` (409 from any other status, 403 for others who can see it)."""
    return await _one(
        session, await service.submit_product(session, product_id, viewer=principal.viewer), principal.viewer
    )


@router.post(
    "/products/{product_id}/withdraw",
    response_model=ProductOut,
    operation_id="withdraw_product",
    responses=problems(401, 403, 404, 409, 422),
    summary="Take a product off the list",
)
async def withdraw_product(
    product_id: uuid.UUID, session: SessionDep, principal: ManagerPrincipal
) -> FastJSONResponse:
    """The owning supplier takes a `listed` or `pending_review` product off the list; it becomes
    `withdrawn` and can be submitted again later (409 from any other status, 403 for others who can
    see it)."""
    return await _one(
        session,
        await service.withdraw_product(session, product_id, viewer=principal.viewer),
        principal.viewer,
    )
