from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request, Response

from app.demands.schemas import TaskTypeCode
from app.deps import BankPrincipal, CurrentPrincipal, IfMatchHeader, OptionalPrincipal, SessionDep, viewer_of
from app.financing import service
from app.financing.repository import FinancingFilters
from app.financing.schemas import (
    FinancingProductCreate,
    FinancingProductList,
    FinancingProductOut,
    FinancingProductUpdate,
    FinancingTypeCode,
)
from app.kit.etag import set_etag
from app.kit.idempotency import IdempotencyKeyHeader, idempotent_create
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.organizations.schemas import IndustryCode, RegionCode

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
    principal: BankPrincipal,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FastJSONResponse:
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
    task_type: TaskTypeCode | None = None,
    amount_cny: int | None = Query(
        default=None, ge=1, le=10**12, description="Products lending this amount."
    ),
    relending_eligible: bool | None = None,
) -> FinancingProductList:
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
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatchHeader = None,
) -> FinancingProductOut:
    product = await service.update_financing_product(
        session, product_id, body, viewer=principal.viewer, if_match=if_match
    )
    set_etag(response, service.ETAG_KIND, product.version)
    return await service.to_out(session, product)
