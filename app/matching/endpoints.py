"""Matching endpoints: a demand's matches (owner and admins), feedback on them, a product's demands."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from app.deps import CurrentPrincipal, SessionDep
from app.errors import Forbidden
from app.kit.idempotency import IdempotencyKeyHeader, idempotent_create
from app.kit.pagination import MAX_LIMIT
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.matching import service
from app.matching.schemas import DemandMatchList, FeedbackIn, FeedbackOut, MatchList

router = APIRouter(tags=["matching"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many matches, best first (1-100).")]


@router.get(
    "/demands/{demand_id}/matches",
    response_model=MatchList,
    operation_id="list_demand_matches",
    responses=problems(401, 404, 422),
    summary="A demand's best products, providers, financing or policy support, with reasons",
)
async def list_demand_matches(
    demand_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    kind: Literal["product", "provider", "financing", "policy"] = Query(
        description="product | provider | financing | policy"
    ),
    limit: Limit = 20,
    include_dismissed: bool = False,
) -> FastJSONResponse:
    """The demand's owner and admins (404 for anyone else): the best `limit` products, providers,
    financing products or policy programmes for the demand, best first, each with its score and
    weighted reasons and the owner's feedback. Dismissed matches are left out unless
    `include_dismissed=true`; financing also lists near misses with the one condition that failed.
    Asking for products for a demand with no equipment category is 409."""
    demand = await service.owned_demand(session, demand_id, principal.viewer)
    body = await service.matches(
        session,
        request.app.state.meili,
        demand,
        kind,
        limit=limit,
        include_dismissed=include_dismissed,
    )
    return FastJSONResponse(body)


@router.post(
    "/demands/{demand_id}/matches/feedback",
    status_code=201,
    response_model=FeedbackOut,
    operation_id="give_match_feedback",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Shortlist, dismiss or clear one of a demand's matches (owner)",
)
async def give_match_feedback(
    demand_id: uuid.UUID,
    body: FeedbackIn,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FastJSONResponse:
    """Only the demand's owner (403 for admins, 404 for anyone else): shortlists, dismisses or clears
    one match, recording its score and rank at that moment. `target_id` must be something matching can
    offer (a listed product of a vetted supplier, a vetted provider, an active financing product of a
    vetted bank or a known policy code), else 422. Send an `Idempotency-Key` to retry safely."""
    demand = await service.owned_demand(session, demand_id, principal.viewer)
    if principal.viewer.organization_id != demand.organization_id:
        # Admins may look, but the shortlist is the owner's to keep.
        raise Forbidden(
            "Only the demand's owner gives feedback on its matches.",
            zh="只有发布该需求的企业才能对匹配结果提出反馈。",
        )

    async def create() -> dict[str, object]:
        return await service.record_feedback(
            session,
            request.app.state.meili,
            demand,
            kind=body.kind,
            target_id=body.target_id,
            action=body.action,
            user_id=principal.user.id,
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
    "/products/{product_id}/matching-demands",
    response_model=DemandMatchList,
    operation_id="list_product_matching_demands",
    responses=problems(401, 404, 409, 422),
    summary="Published demands that fit one of the supplier's own products, best first",
)
async def list_product_matching_demands(
    product_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: Limit = 20,
) -> FastJSONResponse:
    """The product's supplier and admins (404 for anyone else): published demands of vetted
    enterprises naming the product's category or a broader one, in its service area, scored against
    the product, best first, at most `limit`. Demands whose owner dismissed this product are left out."""
    product, supplier_name = await service.owned_product(session, product_id, principal.viewer)
    body = await service.matching_demands(
        session, request.app.state.meili, product, supplier_name, limit=limit
    )
    return FastJSONResponse(body)
