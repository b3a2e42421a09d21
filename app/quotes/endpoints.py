from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Request, Response

from app.deps import CurrentPrincipal, ManagerPrincipal, QuoterManager, QuoterPrincipal, SessionDep
from app.kit.etag import set_etag
from app.kit.idempotency import IdempotencyKeyHeader, idempotent_create
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.quotes import service
from app.quotes.schemas import QuoteCreate, QuoteList, QuoteOut

router = APIRouter(tags=["quotes"])
ETAG_KIND = "quote"


@router.post(
    "/demands/{demand_id}/quotes",
    status_code=201,
    response_model=QuoteOut,
    operation_id="create_quote",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Quote on a published demand (vetted suppliers and providers)",
)
async def create_quote(
    demand_id: uuid.UUID,
    body: QuoteCreate,
    request: Request,
    principal: QuoterManager,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FastJSONResponse:
    """Suppliers and providers only (403 for other kinds), and the caller's organization must be
    vetted (403): quotes a price and delivery time on a `published` demand (409 for a demand in any
    other status, 404 for one the caller cannot see). An optional `product_id` must be one of the
    caller's own listed products (422). The demand's owner is notified. Send an `Idempotency-Key` to
    retry safely; the answer carries a `Location` header."""

    async def create() -> QuoteOut:
        quote = await service.create_quote(
            session,
            demand_id,
            body,
            viewer=principal.viewer,
            user_id=principal.user.id,
            organization_vetted=principal.organization.vetting_status == "vetted",
        )
        return await service.to_out(session, quote)

    return await idempotent_create(
        session,
        user_id=principal.user.id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
        create=create,
        location="/api/v1/quotes/{id}",
    )


@router.get(
    "/demands/{demand_id}/quotes",
    operation_id="list_demand_quotes",
    responses=problems(401, 403, 404, 422),
    summary="A demand's quotes: all for its owner, only its own for a supplier",
)
async def list_demand_quotes(
    demand_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageParamsDep,
    sort: Literal["created", "price"] = "created",
) -> QuoteList:
    """Any logged-in caller who can see the demand (404 otherwise): the demand's owner and admins get
    every quote, anyone else only their own organization's. `sort=created` lists newest first,
    `sort=price` lowest price first; paged with `cursor`."""
    rows, cursor = await service.page_for_demand(
        session, demand_id, viewer=principal.viewer, sort=sort, params=page
    )
    return QuoteList(items=await service.to_out_many(session, rows), next_cursor=cursor)


@router.get(
    "/me/quotes",
    operation_id="list_my_quotes",
    responses=problems(401, 403, 422),
    summary="Quotes the caller's organization has made",
)
async def list_my_quotes(session: SessionDep, principal: QuoterPrincipal, page: PageParamsDep) -> QuoteList:
    """Suppliers and providers only: the quotes the caller's organization has made, in any status,
    newest first, paged with `cursor`."""
    rows, cursor = await service.page_own(session, principal.organization.id, page)
    return QuoteList(items=await service.to_out_many(session, rows), next_cursor=cursor)


@router.get(
    "/quotes/{quote_id}",
    operation_id="get_quote",
    responses=problems(401, 404, 422),
    summary="One quote (its maker and the demand's owner)",
)
async def get_quote(
    quote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> QuoteOut:
    """The quoting organization, the demand's owner and admins may read a quote; it is 404 for
    everyone else."""
    quote = await service.get_visible(session, quote_id, principal.viewer)
    set_etag(response, ETAG_KIND, quote.version)
    return await service.to_out(session, quote)


@router.post(
    "/quotes/{quote_id}/accept",
    operation_id="accept_quote",
    responses=problems(401, 403, 404, 409, 422),
    summary="Accept a quote: the demand becomes contracted at the quote's price",
)
async def accept_quote(quote_id: uuid.UUID, session: SessionDep, principal: ManagerPrincipal) -> QuoteOut:
    """Only the enterprise that posted the demand (403 for the quoter and admins) accepts a
    `submitted` quote (409 otherwise); the demand, which must be `published` (409), becomes
    `contracted` with the quote's price as its contracted amount. The quoting organization is
    notified. Returns the quote, now `accepted`."""
    return await service.to_out(
        session, await service.decide(session, quote_id, "accept", viewer=principal.viewer)
    )


@router.post(
    "/quotes/{quote_id}/decline",
    operation_id="decline_quote",
    responses=problems(401, 403, 404, 409, 422),
    summary="Decline a quote",
)
async def decline_quote(quote_id: uuid.UUID, session: SessionDep, principal: ManagerPrincipal) -> QuoteOut:
    """Only the enterprise that posted the demand (403 for the quoter and admins) declines a
    `submitted` quote (409 otherwise); the quoting organization is notified. Returns the quote, now
    `declined`."""
    return await service.to_out(
        session, await service.decide(session, quote_id, "decline", viewer=principal.viewer)
    )


@router.post(
    "/quotes/{quote_id}/withdraw",
    operation_id="withdraw_quote",
    responses=problems(401, 403, 404, 409, 422),
    summary="Withdraw a submitted quote (its maker)",
)
async def withdraw_quote(quote_id: uuid.UUID, session: SessionDep, principal: ManagerPrincipal) -> QuoteOut:
    """Only the organization that made the quote (403 for others who can see it) withdraws it while it
    is `submitted` (409 otherwise). Returns the quote, now `withdrawn`."""
    return await service.to_out(session, await service.withdraw(session, quote_id, viewer=principal.viewer))
