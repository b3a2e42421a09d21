"""Lead subscriptions and webhooks (banks), leads and the pull feed (banks), a demand's leads and consent
(enterprises)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from app.catalog.service import require_codes
from app.deps import (
    BankManager,
    BankPrincipal,
    EnterpriseManager,
    EnterprisePrincipal,
    SessionDep,
    SettingsDep,
)
from app.errors import Forbidden
from app.kit.idempotency import IdempotencyKeyHeader, idempotent_create
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.leads import service
from app.leads.schemas import (
    DeliveryList,
    DeliveryOut,
    DemandLeadList,
    LeadList,
    LeadOut,
    LeadStatusUpdate,
    SecretOut,
    SubscriptionCreate,
    SubscriptionList,
    SubscriptionOut,
    SubscriptionUpdate,
)
from app.models.base import utcnow
from app.models.catalog import Industry, Region, TaskType

router = APIRouter(tags=["leads"])


def _vetted(principal: Any) -> None:
    if principal.organization.vetting_status != "vetted":
        raise Forbidden(
            "Only a vetted bank may subscribe to and work leads; wait for vetting to finish.",
            zh="只有通过审核的银行才能订阅和处理线索，请等待审核完成。",
        )


@router.post(
    "/lead-subscriptions",
    status_code=201,
    response_model=SubscriptionOut,
    operation_id="create_lead_subscription",
    responses=problems(401, 403, 409, 413, 422),
    summary="Subscribe to leads (vetted banks); the webhook secret is shown once",
)
async def create_lead_subscription(
    body: SubscriptionCreate,
    request: Request,
    principal: BankManager,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FastJSONResponse:
    """Bank accounts only, and the bank must be vetted (403): subscribes to leads, demands that share
    a financing need with banks and fit the criteria (empty lists mean all; codes are checked, 422).
    Demands published or edited from now on become leads of the subscription, once each. An optional
    `webhook_url` must be https to a public address (422 otherwise) and receives signed events; the
    signing secret is in this response only. A bank holds at most `LEAD_SUBSCRIPTIONS_PER_ORGANIZATION`
    (20) subscriptions (409 beyond). Send an `Idempotency-Key` to retry safely; the answer
    carries a `Location` header."""
    _vetted(principal)
    await require_codes(session, Region, body.region_codes, loc=["body", "region_codes"])
    await require_codes(session, Industry, body.industry_codes, loc=["body", "industry_codes"])
    await require_codes(session, TaskType, body.task_types, loc=["body", "task_types"])
    await service.check_webhook_url(body.webhook_url, settings)

    async def create() -> dict[str, Any]:
        return await service.create_subscription(session, settings, principal.organization, body)

    async def with_secret(stored: dict[str, Any]) -> dict[str, Any]:
        return await service.with_secret(session, settings, stored)

    return await idempotent_create(
        session,
        user_id=principal.user.id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
        create=create,
        location="/api/v1/lead-subscriptions/{id}",
        stored_without=frozenset({"webhook_secret"}),
        on_replay=with_secret,
    )


@router.get(
    "/lead-subscriptions",
    response_model=SubscriptionList,
    operation_id="list_lead_subscriptions",
    responses=problems(401, 403, 422),
    summary="The bank's lead subscriptions",
)
async def list_lead_subscriptions(
    principal: BankPrincipal, session: SessionDep, page: PageParamsDep
) -> FastJSONResponse:
    """Bank accounts only: the bank's lead subscriptions (not deleted ones), newest first, paged with
    `cursor`, with each webhook's status. Signing secrets are not shown."""
    rows, cursor = await service.page_subscriptions(session, principal.organization.id, page)
    return FastJSONResponse({"items": [service.subscription_view(s) for s in rows], "next_cursor": cursor})


@router.get(
    "/lead-subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    operation_id="get_lead_subscription",
    responses=problems(401, 403, 404, 422),
    summary="One of the bank's lead subscriptions",
)
async def get_lead_subscription(
    subscription_id: uuid.UUID, principal: BankPrincipal, session: SessionDep
) -> FastJSONResponse:
    """Bank accounts only: one of the bank's own subscriptions (404 for another bank's or a deleted
    one). The signing secret is not shown."""
    sub = await service.own_subscription(session, subscription_id, principal.organization.id)
    return FastJSONResponse(service.subscription_view(sub))


@router.patch(
    "/lead-subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    operation_id="update_lead_subscription",
    responses=problems(401, 403, 404, 413, 422),
    summary="Rename, or set the webhook URL (setting it re-enables a disabled endpoint)",
)
async def update_lead_subscription(
    subscription_id: uuid.UUID,
    body: SubscriptionUpdate,
    principal: BankManager,
    session: SessionDep,
    settings: SettingsDep,
) -> FastJSONResponse:
    """Bank accounts only: renames the subscription or sets its `webhook_url` (404 for another
    bank's). A new URL is checked like at creation (422), and setting it, even to the same URL,
    re-enables a webhook that was disabled after failing; null removes the webhook. The criteria
    themselves cannot be changed."""
    sub = await service.own_subscription(session, subscription_id, principal.organization.id, for_update=True)
    fields = body.model_dump(exclude_unset=True)
    if "webhook_url" in fields:
        await service.check_webhook_url(body.webhook_url, settings)
        sub.webhook_url = body.webhook_url
        sub.webhook_disabled_at = None
        sub.webhook_disabled_reason = None
        sub.failing_since = None
    if body.name is not None:
        sub.name = body.name
    sub.updated_at = utcnow()
    await session.flush()
    return FastJSONResponse(service.subscription_view(sub))


@router.delete(
    "/lead-subscriptions/{subscription_id}",
    status_code=204,
    operation_id="delete_lead_subscription",
    responses=problems(401, 403, 404, 422),
    summary="Stop a subscription (its leads stay in the feed)",
)
async def delete_lead_subscription(
    subscription_id: uuid.UUID, principal: BankManager, session: SessionDep
) -> Response:
    """Bank accounts only: stops the subscription (404 for another bank's); it gets no new leads and
    no more webhook events, but the leads it already brought stay in the bank's feed. Answers 204."""
    sub = await service.own_subscription(session, subscription_id, principal.organization.id, for_update=True)
    sub.deleted_at = utcnow()
    await session.flush()
    return Response(status_code=204)


@router.post(
    "/lead-subscriptions/{subscription_id}/rotate-secret",
    response_model=SecretOut,
    operation_id="rotate_lead_subscription_secret",
    responses=problems(401, 403, 404, 422),
    summary="A new webhook signing secret (shown once); the old one stops at once",
)
async def rotate_lead_subscription_secret(
    subscription_id: uuid.UUID, principal: BankManager, session: SessionDep, settings: SettingsDep
) -> FastJSONResponse:
    """Bank accounts only: issues a new webhook signing secret, shown in this response only; the old
    secret stops signing at once, so update the receiver first. 404 for another bank's subscription."""
    sub = await service.own_subscription(session, subscription_id, principal.organization.id, for_update=True)
    secret = service.set_secret(settings, sub)
    sub.updated_at = utcnow()
    await session.flush()
    return FastJSONResponse({"webhook_secret": secret})


@router.get(
    "/lead-subscriptions/{subscription_id}/deliveries",
    response_model=DeliveryList,
    operation_id="list_webhook_deliveries",
    responses=problems(401, 403, 404, 422),
    summary="The subscription's webhook deliveries and every attempt, newest first",
)
async def list_webhook_deliveries(
    subscription_id: uuid.UUID, principal: BankPrincipal, session: SessionDep, page: PageParamsDep
) -> FastJSONResponse:
    """Bank accounts only: the subscription's webhook deliveries, newest first, paged with `cursor`,
    each with its status, next attempt and the log of every attempt (status code, error, duration).
    404 for another bank's subscription."""
    await service.own_subscription(session, subscription_id, principal.organization.id)
    rows, cursor = await service.page_deliveries(session, subscription_id, page)
    return FastJSONResponse({"items": await service.delivery_views(session, rows), "next_cursor": cursor})


@router.post(
    "/lead-subscriptions/{subscription_id}/deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=DeliveryOut,
    operation_id="replay_webhook_delivery",
    responses=problems(401, 403, 404, 409, 422),
    summary="Send one delivery again: same webhook-id and body, a fresh retry schedule",
)
async def replay_webhook_delivery(
    subscription_id: uuid.UUID,
    delivery_id: Annotated[str, Path(pattern=r"^msg_[0-9a-f]{32}$", description="A webhook-id, msg_…")],
    principal: BankManager,
    session: SessionDep,
) -> FastJSONResponse:
    """Bank accounts only: queues one delivery to be sent again with the same `webhook-id` and body
    and a fresh retry schedule; answers 202 with the delivery. 409 while the delivery is being sent
    right now; 404 for another bank's subscription or an unknown delivery."""
    await service.own_subscription(session, subscription_id, principal.organization.id)
    delivery = await service.replay_delivery(session, subscription_id, delivery_id)
    return FastJSONResponse((await service.delivery_views(session, [delivery]))[0], status_code=202)


@router.get(
    "/leads",
    response_model=LeadList,
    operation_id="list_leads",
    responses=problems(401, 403, 422),
    summary="The bank's leads, oldest first: a stable feed to backfill from with ?cursor=",
)
async def list_leads(
    principal: BankPrincipal, session: SessionDep, settings: SettingsDep, page: PageParamsDep
) -> FastJSONResponse:
    """Vetted bank accounts only (403 otherwise): the bank's leads, oldest first, as a stable feed to
    backfill from with `cursor`; a lead appears only after a short settling delay, so a held cursor
    never misses one. Each lead carries the demand, the bank's own financing products it is eligible
    for and, once the enterprise accepted the bank's interest, its contact details. Leads of demands
    whose owner stopped sharing with banks leave the feed."""
    _vetted(principal)
    rows, cursor = await service.page_feed(
        session, principal.organization.id, page, settle_seconds=settings.leads_feed_settle_seconds
    )
    return FastJSONResponse(
        {"items": [await service.lead_view(session, r) for r in rows], "next_cursor": cursor}
    )


@router.get(
    "/leads/{lead_id}",
    response_model=LeadOut,
    operation_id="get_lead",
    responses=problems(401, 403, 404, 422),
    summary="One of the bank's leads",
)
async def get_lead(lead_id: uuid.UUID, principal: BankPrincipal, session: SessionDep) -> FastJSONResponse:
    """Vetted bank accounts only (403 otherwise): one of the bank's leads, as in the feed. 404 for
    another bank's lead, or when the demand's owner stopped sharing it with banks."""
    _vetted(principal)
    lead = await service.own_lead(session, lead_id, principal.organization.id)
    return FastJSONResponse(await service.lead_view(session, lead))


@router.patch(
    "/leads/{lead_id}",
    response_model=LeadOut,
    operation_id="update_lead_status",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Work a lead: new → viewed → contacted → approved / declined",
)
async def update_lead_status(
    lead_id: uuid.UUID, body: LeadStatusUpdate, principal: BankManager, session: SessionDep
) -> FastJSONResponse:
    """Vetted bank accounts only (403 otherwise): moves one of the bank's leads along new → viewed →
    contacted → approved, or to declined from any open status; sending the current status again
    changes nothing. Any other move is 409; the enterprise is notified of each change. 404 for another
    bank's lead."""
    _vetted(principal)
    lead = await service.own_lead(session, lead_id, principal.organization.id, lock=True)
    lead = await service.move(session, lead, body.status)
    return FastJSONResponse(await service.lead_view(session, lead))


@router.get(
    "/demands/{demand_id}/leads",
    response_model=DemandLeadList,
    operation_id="list_demand_leads",
    responses=problems(401, 403, 404, 422),
    summary="Which banks are working the demand's financing need (its owner)",
)
async def list_demand_leads(
    demand_id: uuid.UUID, principal: EnterprisePrincipal, session: SessionDep
) -> FastJSONResponse:
    """Enterprise accounts only: which banks have the demand as a lead, with each lead's status and
    whether the enterprise accepted the bank's interest, oldest first, all in one page. 404 unless the
    demand is the caller's own."""
    demand = await service.own_demand(session, demand_id, principal.organization.id)
    return FastJSONResponse({"items": await service.leads_of_demand(session, demand.id), "next_cursor": None})


@router.post(
    "/leads/{lead_id}/accept-interest",
    response_model=DemandLeadList,
    operation_id="accept_lead_interest",
    responses=problems(401, 403, 404, 409, 422),
    summary="The enterprise accepts a bank's interest: its contact details are released to that bank",
)
async def accept_lead_interest(
    lead_id: uuid.UUID, principal: EnterpriseManager, session: SessionDep
) -> FastJSONResponse:
    """Enterprise accounts only: the owner of the lead's demand accepts the bank's interest, releasing
    the enterprise's contact details to that bank (in the feed and as a `lead.contact_released`
    webhook event); accepting again changes nothing. 409 when the bank declined the lead or the demand
    no longer shares its financing need with banks; 404 unless the lead is on the caller's own demand.
    Returns all of the demand's leads."""
    lead = await service.accept_interest(session, lead_id, principal.organization.id)
    return FastJSONResponse(
        {"items": await service.leads_of_demand(session, lead.demand_id), "next_cursor": None}
    )
