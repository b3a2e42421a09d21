from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request, Response

from app.deps import (
    BankManager,
    BankPrincipal,
    IfMatchHeader,
    ManagerPrincipal,
    OptionalPrincipal,
    SessionDep,
    viewer_of,
)
from app.financing import service
from app.financing.repository import FinancingFilters
from app.financing.schemas import (
    FinancingProductCreate,
    FinancingProductList,
    FinancingProductOut,
    FinancingProductUpdate,
    FinancingTypeCode,
)
from app.kernel import IndustryCode, RegionCode, TaskType
from app.kit.etag import set_etag
from app.kit.idempotency import IdempotencyKeyHeader, idempotent_create
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse

router = APIRouter(tags=["financing"])


@router.post(
    "/financing-products",
    status_code=201,
    response_model=FinancingProductOut,
    operation_id="create_financing_product",
    responses=problems(401, 403, 409, 413, 422),
    summary="Publish a financing product (vetted banks)",
)
async def create_financing_product(
    body: FinancingProductCreate,
    request: Request,
    principal: BankManager,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FastJSONResponse:
    """Bank accounts only, and the bank must be vetted (403 otherwise): publishes a financing product
    (技改贷, 更新贷 …) with its eligibility criteria; empty region, industry or task lists mean open to all.
    The financing type and codes are checked against the catalog (422). Send an `Idempotency-Key` to
    retry safely; the answer carries a `Location` header."""

    async def create() -> FinancingProductOut:
        product = await service.create_financing_product(
            session,
            body,
            organization_id=principal.organization.id,
            bank_vetted=principal.organization.vetting_status == "vetted",
        )
        return await service.to_out(session, product)

    return await idempotent_create(
        session,
        user_id=principal.user.id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
        create=create,
        location="/api/v1/financing-products/{id}",
    )


@router.get(
    "/financing-products",
    operation_id="list_financing_products",
    responses=problems(422),
    summary="Active financing products of vetted banks, filtered by eligibility",
)
async def list_financing_products(
    session: SessionDep,
    page: PageParamsDep,
    financing_type: FinancingTypeCode | None = None,
    region_code: RegionCode | None = None,
    industry_code: IndustryCode | None = None,
    task_type: TaskType | None = None,
    amount_cny: int | None = Query(
        default=None, ge=1, le=10**12, description="Products lending this amount."
    ),
    relending_eligible: bool | None = None,
) -> FinancingProductList:
    """Public: active financing products of vetted banks, newest first, paged with `cursor`. Each
    filter keeps the products open to that value (a product with an empty list is open to all);
    `amount_cny` keeps products that lend that amount. An unknown `financing_type` is 422."""
    filters = FinancingFilters(
        financing_type=financing_type,
        region_code=region_code,
        industry_code=industry_code,
        task_type=task_type,
        amount_cny=amount_cny,
        relending_eligible=relending_eligible,
    )
    rows, cursor = await service.page_active(session, filters, page)
    return FinancingProductList(items=await service.to_out_many(session, rows), next_cursor=cursor)


@router.get(
    "/me/financing-products",
    operation_id="list_my_financing_products",
    responses=problems(401, 403, 422),
    summary="The caller's bank's own financing products, active or not",
)
async def list_my_financing_products(
    session: SessionDep, principal: BankPrincipal, page: PageParamsDep
) -> FinancingProductList:
    """Bank accounts only: the caller's bank's own financing products, active or not, newest first,
    paged with `cursor`."""
    rows, cursor = await service.page_owned(session, principal.organization.id, page)
    return FinancingProductList(items=await service.to_out_many(session, rows), next_cursor=cursor)


@router.get(
    "/financing-products/{product_id}",
    operation_id="get_financing_product",
    responses=problems(401, 404, 422),
    summary="One financing product",
)
async def get_financing_product(
    product_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipal, response: Response
) -> FinancingProductOut:
    """Anyone may read an active product of a vetted bank; an inactive one, or one of a bank that is
    not vetted, exists only for its bank and admins (404 for everyone else). The `ETag` is the one to
    send as `If-Match` when editing."""
    product = await service.get_visible(session, product_id, viewer_of(principal))
    set_etag(response, service.ETAG_KIND, product.version)
    return await service.to_out(session, product)


@router.patch(
    "/financing-products/{product_id}",
    operation_id="update_financing_product",
    responses=problems(401, 403, 404, 412, 413, 422),
    summary="Edit or deactivate a financing product",
)
async def update_financing_product(
    product_id: uuid.UUID,
    body: FinancingProductUpdate,
    session: SessionDep,
    principal: ManagerPrincipal,
    response: Response,
    if_match: IfMatchHeader = None,
) -> FinancingProductOut:
    """The bank that publishes the product edits it (403 for others who can see it); only the fields
    sent change, and `is_active=false` takes it off the public list. Send the `ETag` from a GET as
    `If-Match` (412 when stale). Null for required fields, unknown codes or an inverted amount, term
    or rate range are 422."""
    product = await service.update_financing_product(
        session, product_id, body, viewer=principal.viewer, if_match=if_match
    )
    set_etag(response, service.ETAG_KIND, product.version)
    return await service.to_out(session, product)
