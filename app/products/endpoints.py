from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from app.demands.schemas import CategoryCode
from app.deps import (
    CurrentPrincipal,
    IfMatchHeader,
    OptionalPrincipal,
    SessionDep,
    SupplierPrincipal,
    viewer_of,
)
from app.kit.etag import set_etag
from app.kit.idempotency import IdempotencyKeyHeader, idempotent_create
from app.kit.pagination import PageParamsDep
from app.organizations.schemas import IndustryCode, RegionCode
from app.products import service
from app.products.schemas import ProductCreate, ProductList, ProductOut, ProductStatus, ProductUpdate

router = APIRouter(tags=["products"])


@router.post(
    "/products",
    status_code=201,
    response_model=ProductOut,
    operation_id="create_product",
    summary="Add a product to the supply list as a draft",
)
async def create_product(
    body: ProductCreate,
    request: Request,
    principal: SupplierPrincipal,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    async def create() -> ProductOut:
        product = await service.create_product(session, body, organization_id=principal.organization.id)
        return await service.to_out(session, product, principal.viewer)

    return await idempotent_create(
        session,
        user_id=principal.user.id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
        create=create,
    )


@router.get(
    "/products",
    operation_id="list_products",
    summary="Listed products of vetted suppliers (优质产品供给清单), newest first",
)
async def list_products(
    session: SessionDep,
    principal: OptionalPrincipal,
    page: PageParamsDep,
    category_code: CategoryCode | None = Query(default=None, description="This category or any below it."),
    industry_code: IndustryCode | None = None,
    region_code: RegionCode | None = Query(default=None, description="Products serving this 市州."),
    made_in_sichuan: bool | None = Query(default=None, description="Admin-verified 四川造 only."),
    energy_grade_max: int | None = Query(default=None, ge=1, le=3),
    price_max_cny: int | None = Query(default=None, ge=0, le=10**12),
) -> ProductList:
    rows, cursor = await service.page_listed(
        session,
        category_code=category_code,
        industry_code=industry_code,
        region_code=region_code,
        made_in_sichuan=made_in_sichuan,
        energy_grade_max=energy_grade_max,
        price_max_cny=price_max_cny,
        params=page,
    )
    return ProductList(
        items=await service.to_out_many(session, rows, viewer_of(principal)), next_cursor=cursor
    )


@router.get(
    "/me/products", operation_id="list_my_products", summary="The caller's own products, in any status"
)
async def list_my_products(
    session: SessionDep,
    principal: SupplierPrincipal,
    page: PageParamsDep,
    status: ProductStatus | None = None,
) -> ProductList:
    rows, cursor = await service.page_owned(session, principal.organization.id, status, page)
    return ProductList(items=await service.to_out_many(session, rows, principal.viewer), next_cursor=cursor)


@router.get(
    "/products/{product_id}",
    operation_id="get_product",
    summary="One product (unlisted ones: owner and admins)",
)
async def get_product(
    product_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipal, response: Response
) -> ProductOut:
    viewer = viewer_of(principal)
    product = await service.get_visible(session, product_id, viewer)
    set_etag(response, service.ETAG_KIND, product.version)
    return await service.to_out(session, product, viewer)


@router.patch(
    "/products/{product_id}",
    operation_id="update_product",
    summary="Edit a product (a listed one goes back to review)",
)
async def update_product(
    product_id: uuid.UUID,
    body: ProductUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProductOut:
    product = await service.update_product(
        session, product_id, body, viewer=principal.viewer, if_match=if_match
    )
    set_etag(response, service.ETAG_KIND, product.version)
    return await service.to_out(session, product, principal.viewer)


@router.post(
    "/products/{product_id}/submit",
    operation_id="submit_product",
    summary="Submit a draft, rejected or withdrawn product for review",
)
async def submit_product(
    product_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> ProductOut:
    product = await service.submit_product(session, product_id, viewer=principal.viewer)
    set_etag(response, service.ETAG_KIND, product.version)
    return await service.to_out(session, product, principal.viewer)


@router.post(
    "/products/{product_id}/withdraw", operation_id="withdraw_product", summary="Take a product off the list"
)
async def withdraw_product(
    product_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> ProductOut:
    product = await service.withdraw_product(session, product_id, viewer=principal.viewer)
    set_etag(response, service.ETAG_KIND, product.version)
    return await service.to_out(session, product, principal.viewer)
