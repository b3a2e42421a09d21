"""Saved searches (suppliers and providers)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from app.catalog.service import require_code
from app.deps import QuoterManager, QuoterPrincipal, SessionDep, SettingsDep
from app.kit.idempotency import IdempotencyKeyHeader, idempotent_create
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.leads.schemas import SavedSearchCreate, SavedSearchList, SavedSearchOut
from app.models.catalog import EquipmentCategory, Industry, Region, TaskType
from app.saved_searches import service

router = APIRouter(tags=["saved searches"])


@router.post(
    "/saved-searches",
    status_code=201,
    response_model=SavedSearchOut,
    operation_id="create_saved_search",
    responses=problems(401, 403, 409, 413, 422),
    summary="Save a search over demands: a newly published demand that fits it notifies you once",
)
async def create_saved_search(
    body: SavedSearchCreate,
    request: Request,
    principal: QuoterManager,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FastJSONResponse:
    """Suppliers and providers only: saves a search over demands (words and filters; filter codes are
    checked against the catalog, 422). When a demand is published that fits any of the organization's
    saved searches, the organization is notified once. An organization holds at most
    `SAVED_SEARCHES_PER_ORGANIZATION` (50), and 3 until it is vetted (409 beyond, with `limit`). Send an
    `Idempotency-Key` to retry safely."""
    f = body.filters
    for field, model, value in (
        ("task_type", TaskType, f.task_type),
        ("industry_code", Industry, f.industry_code),
        ("region_code", Region, f.region_code),
        ("category_code", EquipmentCategory, f.category_code),
    ):
        if value is not None:
            await require_code(session, model, value, loc=["body", "filters", field])

    async def create() -> dict[str, Any]:
        return await service.create(
            session,
            body,
            organization=principal.organization,
            user_id=principal.user.id,
            vetted_limit=settings.saved_searches_per_organization,
            unvetted_limit=settings.saved_searches_per_unvetted_organization,
        )

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
    "/saved-searches",
    response_model=SavedSearchList,
    operation_id="list_saved_searches",
    responses=problems(401, 403, 422),
    summary="The organization's saved searches",
)
async def list_saved_searches(
    principal: QuoterPrincipal, session: SessionDep, page: PageParamsDep
) -> FastJSONResponse:
    """Suppliers and providers only: the organization's saved searches, newest first, paged with
    `cursor`."""
    rows, cursor = await service.page(session, principal.organization.id, page)
    return FastJSONResponse({"items": [service.view(s) for s in rows], "next_cursor": cursor})


@router.delete(
    "/saved-searches/{saved_search_id}",
    status_code=204,
    operation_id="delete_saved_search",
    responses=problems(401, 403, 404, 422),
    summary="Delete one of the organization's saved searches",
)
async def delete_saved_search(
    saved_search_id: uuid.UUID, principal: QuoterManager, session: SessionDep
) -> Response:
    """Suppliers and providers only: deletes one of the organization's saved searches (404 for another
    organization's). Answers 204."""
    await service.delete(session, saved_search_id, principal.organization.id)
    return Response(status_code=204)
