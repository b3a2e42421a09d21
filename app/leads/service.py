"""Lead subscriptions, leads (exactly once per subscription and demand), their status flow, contact
release on the enterprise's consent, and the webhook events that carry them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import Conflict, InvalidInput, NotFound
from app.indexing import service as indexing
from app.kit.pagination import PageParams
from app.leads import relay, repository, webhooks
from app.leads.schemas import SubscriptionCreate
from app.matching import priority, scoring
from app.models.base import utcnow
from app.models.demand import Demand
from app.models.lead import Lead, LeadSubscription, WebhookDelivery
from app.models.organization import Organization
from app.notifications import service as notifications
from app.organizations import quotas

# status → the statuses a bank may move a lead to from there
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"viewed", "contacted", "declined"}),
    "viewed": frozenset({"contacted", "declined"}),
    "contacted": frozenset({"approved", "declined"}),
    "approved": frozenset(),
    "declined": frozenset(),
}
STATUS_NAMES = {
    "new": "新线索",
    "viewed": "已查看",
    "contacted": "已联系",
    "approved": "已审批通过",
    "declined": "已婉拒",
}


# -- subscriptions -------------------------------------------------------------------------------
async def check_webhook_url(url: str | None, settings: Settings) -> None:
    """422 unless the relay would send to the URL (app/leads/webhooks.py); checked again at each send."""
    if url is None:
        return
    try:
        await webhooks.resolve(url, settings.webhook_allow_hosts, settings.webhook_allow_ports)
    except webhooks.UnsafeUrl as exc:
        raise InvalidInput(["body", "webhook_url"], str(exc), zh=exc.zh) from exc


def set_secret(settings: Settings, sub: LeadSubscription) -> str:
    """A new signing secret for the subscription, stored sealed (app/kit/secret_box.py); returns it."""
    secret = webhooks.new_secret()
    sub.webhook_secret = webhooks.seal_secret(settings.signing_key, str(sub.id), secret)
    return secret


def secret_of(settings: Settings, sub: LeadSubscription) -> str:
    return webhooks.open_secret(settings.signing_key, str(sub.id), sub.webhook_secret)


async def create_subscription(
    session: AsyncSession, settings: Settings, bank: Organization, data: SubscriptionCreate
) -> dict[str, Any]:
    """A new subscription of the bank, within its allowance; its view carries the new signing secret."""
    await quotas.ensure_room(
        session,
        bank,
        model=LeadSubscription,
        vetted_limit=settings.lead_subscriptions_per_organization,
        unvetted_limit=0,  # only vetted banks subscribe (the endpoint already refused the others)
        what="lead subscriptions",
        what_zh="线索订阅",
    )
    sub = LeadSubscription(
        id=uuid.uuid4(),
        organization_id=bank.id,
        name=data.name,
        region_codes=data.region_codes,
        industry_codes=data.industry_codes,
        task_types=data.task_types,
        amount_min_cny=data.amount_min_cny,
        amount_max_cny=data.amount_max_cny,
        webhook_url=data.webhook_url,
    )
    secret = set_secret(settings, sub)
    session.add(sub)
    await session.flush()
    return subscription_view(sub, secret=secret)


async def with_secret(session: AsyncSession, settings: Settings, stored: dict[str, Any]) -> dict[str, Any]:
    """A replayed creation's answer with its secret again: the idempotency store keeps it without the
    secret, which is read back from the subscription (unless it was deleted since)."""
    sub = await repository.subscription(session, uuid.UUID(str(stored["id"])))
    if sub is None or sub.deleted_at is not None:
        return stored
    return {**stored, "webhook_secret": secret_of(settings, sub)}


def subscription_view(sub: LeadSubscription, *, secret: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": sub.id,
        "name": sub.name,
        "region_codes": sub.region_codes,
        "industry_codes": sub.industry_codes,
        "task_types": sub.task_types,
        "amount_min_cny": sub.amount_min_cny,
        "amount_max_cny": sub.amount_max_cny,
        "webhook_url": sub.webhook_url,
        "webhook_status": "none"
        if sub.webhook_url is None
        else ("disabled" if sub.webhook_disabled_at else "active"),
        "webhook_disabled_at": sub.webhook_disabled_at,
        "webhook_disabled_reason": sub.webhook_disabled_reason,
        "created_at": sub.created_at,
    }
    if secret is not None:
        body["webhook_secret"] = secret  # shown at creation and rotation only
    return body


async def own_subscription(
    session: AsyncSession, subscription_id: uuid.UUID, bank_id: uuid.UUID, *, for_update: bool = False
) -> LeadSubscription:
    """The bank's own live subscription (404 for another bank's or a deleted one)."""
    sub = await repository.own_subscription_row(session, subscription_id, bank_id, for_update=for_update)
    if sub is None:
        raise NotFound("No such lead subscription.", zh="没有这个线索订阅。")
    return sub


async def page_subscriptions(
    session: AsyncSession, bank_id: uuid.UUID, page: PageParams
) -> tuple[list[LeadSubscription], str | None]:
    """The bank's subscriptions but the deleted ones, newest first."""
    return await repository.page_subscriptions(session, bank_id, page)


async def page_deliveries(
    session: AsyncSession, subscription_id: uuid.UUID, page: PageParams
) -> tuple[list[WebhookDelivery], str | None]:
    """The subscription's deliveries, newest first."""
    return await repository.page_deliveries(session, subscription_id, page)


async def delivery_views(session: AsyncSession, deliveries: list[WebhookDelivery]) -> list[dict[str, Any]]:
    """The deliveries as the bank sees them, each with its log of attempts (one query for the page)."""
    attempts: dict[str, list[dict[str, Any]]] = {d.id: [] for d in deliveries}
    if deliveries:
        for a in await repository.attempts_of(session, list(attempts)):
            attempts[a.delivery_id].append(
                {
                    "attempt": a.attempt,
                    "started_at": a.started_at,
                    "duration_ms": a.duration_ms,
                    "status_code": a.status_code,
                    "error": a.error,
                }
            )
    return [
        {
            "id": d.id,
            "event_type": d.event_type,
            "lead_id": d.lead_id,
            "status": d.status,
            "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
            "last_status_code": d.last_status_code,
            "last_error": d.last_error,
            "delivered_at": d.delivered_at,
            "created_at": d.created_at,
            "attempt_log": attempts[d.id],
        }
        for d in deliveries
    ]


async def replay_delivery(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: str
) -> WebhookDelivery:
    """Queue one delivery again (same id and body); 409 while it is being sent (a second send at once)."""
    delivery = await repository.lock_delivery(session, subscription_id, delivery_id)
    if delivery is None:
        raise NotFound("No such delivery on this subscription.", zh="该订阅下没有这次推送。")
    if (
        delivery.status == "pending"
        and delivery.locked_until is not None
        and delivery.locked_until > utcnow()
    ):
        raise Conflict(
            "This delivery is being sent right now; replay it once the attempt is recorded.",
            zh="这次推送正在发送中，请在本次尝试记录下来后再重发。",
        )
    await relay.replay(session, [delivery.id])
    await session.refresh(delivery)
    return delivery


# -- offering leads ------------------------------------------------------------------------------
async def offer(session: AsyncSession, demand: Demand) -> int:
    """Create the leads this demand is owed: one per matching subscription, exactly once (a unique pair,
    inserted ON CONFLICT DO NOTHING), with a webhook event for each subscription that has an endpoint.
    Called when a demand is published and whenever a published demand is edited. Returns how many."""
    if demand.status != "published" or not demand.share_with_banks or demand.financing_amount_cny is None:
        return 0
    if not await repository.organization_vetted(session, demand.organization_id):
        return 0
    amount = demand.financing_amount_cny
    now = utcnow()
    rows = await repository.matching_subscriptions(
        session,
        region_code=demand.region_code,
        task_type=demand.task_type,
        industry_code=demand.industry_code,
        amount_cny=amount,
    )
    if not rows:
        return 0
    created = await repository.insert_new_leads(
        session, demand.id, [(sub_id, bank_id) for sub_id, bank_id, _ in rows], now=now
    )
    if not created:
        return 0
    # What every lead of this demand shares is built once; each bank's fitting products once per bank.
    hooked = {sub_id for sub_id, _, has_hook in rows if has_hook}
    part = await _demand_part(session, demand)
    fitting = await _fitting_by_bank(session, demand, {lead.organization_id for lead in created})
    stamp = now.isoformat().replace("+00:00", "Z")
    session.add_all(
        _delivery(lead, "lead.created", stamp, _payload(lead, part, fitting[lead.organization_id], None))
        for lead in created
        if lead.subscription_id in hooked
    )
    per_bank: dict[uuid.UUID, int] = {}
    for lead in created:
        per_bank[lead.organization_id] = per_bank.get(lead.organization_id, 0) + 1
    for bank_id, count in per_bank.items():
        await notifications.notify(
            session,
            bank_id,
            "lead_created",
            f"新融资线索：{demand.title}" + (f"（{count}个订阅）" if count > 1 else ""),
            f"融资需求{scoring.wan(amount)}，期限{demand.financing_term_months}个月。",
            {
                "demand_id": str(demand.id),
                "lead_ids": [str(lead.id) for lead in created if lead.organization_id == bank_id],
            },
        )
    return len(created)


def _delivery(lead: Lead, event_type: str, stamp: str, data: dict[str, Any]) -> WebhookDelivery:
    """A webhook event; the body is fixed now, so every attempt sends the same bytes."""
    body = {"type": event_type, "timestamp": stamp, "data": data}
    return WebhookDelivery(
        id=f"msg_{uuid.uuid4().hex}",
        subscription_id=lead.subscription_id,
        lead_id=lead.id,
        event_type=event_type,
        body=orjson.dumps(body, default=str).decode(),
        status="pending",
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )


async def enqueue(session: AsyncSession, lead: Lead, event_type: str) -> None:
    """One webhook event for the lead's subscription, if it has a live endpoint."""
    sub = await repository.subscription(session, lead.subscription_id)
    if sub is None or sub.webhook_url is None or sub.webhook_disabled_at is not None or sub.deleted_at:
        return
    stamp = utcnow().isoformat().replace("+00:00", "Z")
    session.add(_delivery(lead, event_type, stamp, await lead_view(session, lead)))


# -- views ---------------------------------------------------------------------------------------
async def _fitting_by_bank(
    session: AsyncSession, demand: Demand, bank_ids: set[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each bank's own active financing products this demand is eligible for (matching's rules)."""
    catalog = await indexing.catalog_snapshot(session)
    products = await repository.active_financing_products(session, bank_ids)
    ask = scoring.financing_ask(demand)
    found: dict[uuid.UUID, list[dict[str, Any]]] = {bank: [] for bank in bank_ids}
    for p in products:
        if all(met for _, met, _ in scoring.financing_conditions(demand, p, ask, catalog)):
            found[p.organization_id].append({"id": p.id, "name": p.name, "financing_type": p.financing_type})
    return found


async def _demand_part(session: AsyncSession, demand: Demand) -> dict[str, Any]:
    enterprise = await repository.organization(session, demand.organization_id)
    assert enterprise is not None
    return {
        "demand": {
            "id": demand.id,
            "title": demand.title,
            "description": demand.description,
            "task_type": demand.task_type,
            "industry_code": demand.industry_code,
            "region_code": demand.region_code,
            "category_codes": demand.category_codes,
            "budget_min_cny": demand.budget_min_cny,
            "budget_max_cny": demand.budget_max_cny,
            "expected_start": demand.expected_start,
            "financing": {
                "amount_cny": demand.financing_amount_cny,
                "term_months": demand.financing_term_months,
            },
            "priority": priority.view(demand),
            "enterprise": {
                "id": enterprise.id,
                "name": enterprise.name,
                "region_code": enterprise.region_code,
                "industry_code": enterprise.industry_code,
            },
        },
        "contact": {
            "name": enterprise.contact_name,
            "phone": enterprise.contact_phone,
            "email": enterprise.contact_email,
        },
    }


def _payload(
    lead: Lead, part: dict[str, Any], fitting: list[dict[str, Any]], contact: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "id": lead.id,
        "status": lead.status,
        "subscription_id": lead.subscription_id,
        "demand": part["demand"],
        "fitting_financing_products": fitting,
        "contact": contact,
        "contact_released": contact is not None,
        "viewed_at": lead.viewed_at,
        "contacted_at": lead.contacted_at,
        "approved_at": lead.approved_at,
        "declined_at": lead.declined_at,
        "interest_accepted_at": lead.interest_accepted_at,
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
    }


async def lead_view(session: AsyncSession, lead: Lead) -> dict[str, Any]:
    """What the bank sees; the enterprise's contact details only once it accepted the bank's interest."""
    demand = await repository.demand(session, lead.demand_id)
    assert demand is not None
    part = await _demand_part(session, demand)
    fitting = await _fitting_by_bank(session, demand, {lead.organization_id})
    contact = part["contact"] if lead.interest_accepted_at is not None else None
    return _payload(lead, part, fitting[lead.organization_id], contact)


async def page_feed(
    session: AsyncSession, bank_id: uuid.UUID, page: PageParams, *, settle_seconds: float
) -> tuple[list[Lead], str | None]:
    """The bank's leads, oldest first. Leads settle before the feed shows them: created_at is set before
    the publication commits, so a lead committed late must not land behind a cursor a bank already holds.
    Demands whose owner withdrew consent (share_with_banks false) leave the feed."""
    settled = utcnow() - timedelta(seconds=settle_seconds)
    return await repository.page_feed(session, bank_id, created_before=settled, params=page)


# -- the bank's side -----------------------------------------------------------------------------
async def own_lead(
    session: AsyncSession, lead_id: uuid.UUID, bank_id: uuid.UUID, *, lock: bool = False
) -> Lead:
    """The bank's lead, while its demand is still shared with banks (404 otherwise)."""
    lead = await repository.own_lead_row(session, lead_id, bank_id, lock=lock)
    if lead is None:
        raise NotFound("No such lead.", zh="没有这条线索。")
    return lead


async def move(session: AsyncSession, lead: Lead, to_status: str) -> Lead:
    """The bank moves its lead along TRANSITIONS (409 for any other move); the enterprise is notified."""
    if to_status == lead.status:
        return lead  # repeating a status is harmless
    if to_status not in TRANSITIONS[lead.status]:
        allowed = ", ".join(sorted(TRANSITIONS[lead.status]))
        raise Conflict(
            f"Cannot move a {lead.status} lead to {to_status}; allowed next: {allowed or 'none (final)'}.",
            zh=f"不能把状态为 {lead.status} 的线索改为 {to_status}；"
            f"接下来可改为：{allowed or '无（已是最终状态）'}。",
        )
    now: datetime = utcnow()
    setattr(lead, f"{to_status}_at", now)
    lead.status = to_status
    lead.version += 1
    lead.updated_at = now
    await session.flush()
    demand = await repository.demand(session, lead.demand_id)
    bank = await repository.organization(session, lead.organization_id)
    if demand is not None and bank is not None:
        await notifications.notify(
            session,
            demand.organization_id,
            "lead_status_changed",
            f"{bank.name}：融资需求「{demand.title}」{STATUS_NAMES[to_status]}",
            "",
            {"lead_id": str(lead.id), "demand_id": str(demand.id), "status": to_status},
        )
    return lead


# -- the enterprise's side -----------------------------------------------------------------------
async def own_demand(session: AsyncSession, demand_id: uuid.UUID, enterprise_id: uuid.UUID) -> Demand:
    """The enterprise's own demand (404 for anyone else's)."""
    demand = await repository.demand(session, demand_id)
    if demand is None or demand.organization_id != enterprise_id:
        raise NotFound("No such demand.", zh="没有这个需求。")
    return demand


async def leads_of_demand(session: AsyncSession, demand_id: uuid.UUID) -> list[dict[str, Any]]:
    """Which banks have the demand as a lead, oldest first (what its owner sees of them)."""
    rows = await repository.leads_with_bank_names(session, demand_id)
    return [
        {
            "id": lead.id,
            "bank": {"id": lead.organization_id, "name": name},
            "status": lead.status,
            "interest_accepted_at": lead.interest_accepted_at,
            "viewed_at": lead.viewed_at,
            "contacted_at": lead.contacted_at,
            "approved_at": lead.approved_at,
            "declined_at": lead.declined_at,
            "created_at": lead.created_at,
        }
        for lead, name in rows
    ]


async def accept_interest(session: AsyncSession, lead_id: uuid.UUID, enterprise_id: uuid.UUID) -> Lead:
    """The owner of the lead's demand accepts the bank's interest: the contact details go to that bank, in
    the feed and as a webhook event. Accepting twice changes nothing."""
    lead = await repository.lock_lead_on_demand_of(session, lead_id, enterprise_id)
    if lead is None:
        raise NotFound("No such lead.", zh="没有这条线索。")
    if lead.status == "declined":
        raise Conflict(
            "The bank declined this lead; there is no interest to accept.",
            zh="银行已婉拒这条线索，没有可接受的对接意向。",
        )
    demand = await repository.demand(session, lead.demand_id)
    if demand is None or not demand.share_with_banks:
        raise Conflict(
            "The demand no longer shares its financing need with banks; share it again first.",
            zh="该需求已不再向银行共享融资需求，请先重新开启共享。",
        )
    if lead.interest_accepted_at is None:
        lead.interest_accepted_at = utcnow()
        lead.version += 1
        await session.flush()
        await enqueue(session, lead, "lead.contact_released")
        await notifications.notify(
            session,
            lead.organization_id,
            "lead_contact_released",
            "企业已同意对接，联系方式已开放",
            "",
            {"lead_id": str(lead.id), "demand_id": str(lead.demand_id)},
        )
    return lead
