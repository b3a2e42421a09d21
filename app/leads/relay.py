"""The webhook relay (part of `python -m app worker`): at-least-once delivery of lead events.

Claim due deliveries with FOR UPDATE SKIP LOCKED and a lease (app/kit/leases.py, shared with the jobs and
the search outbox), committed before any HTTP; send each (in parallel, each with its own 10 s timeout, so
a slow or broken receiver never holds up the others) with the same `webhook-id` on every attempt; record
the result only if the lease is still ours. A relay killed after sending and before recording leaves the
lease to run out, and the event goes again with the same id — receivers deduplicate on it, as Standard
Webhooks asks.

Retries follow the schedule below, then the delivery is dead (replay sends it again). `410 Gone`
disables the endpoint at once; an endpoint failing for WEBHOOK_DISABLE_AFTER_DAYS is disabled too; the
bank is notified either way.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    String,
    Text,
    case,
    cast,
    column,
    literal,
    or_,
    select,
    update,
    values,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.kit import leases, secret_box
from app.leads import webhooks
from app.models.base import utcnow
from app.models.demand import Demand
from app.models.lead import Lead, LeadSubscription, WebhookAttempt, WebhookDelivery
from app.models.organization import Organization
from app.notifications import service as notifications

log = logging.getLogger(__name__)
# Delay before attempt n+1 after attempt n failed (attempt 1 goes at once): 5 s, 5 min, 30 min, 2 h, 5 h,
# 10 h, 10 h; after the 8th failure the delivery is dead.
RETRY_DELAYS = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = timedelta(seconds=120)
CONCURRENCY = 10  # sends in flight per relay (the worker's client allows as many connections)
BATCH_MAX = 50
USER_AGENT = "sichuan-renewal-webhooks/1"


DELIVERIES = leases.Queue(
    WebhookDelivery,
    due=lambda: WebhookDelivery.next_attempt_at,
    still_open=lambda: WebhookDelivery.status == "pending",
)


async def claim(
    session: AsyncSession, *, worker: str, limit: int, lease: timedelta = LEASE
) -> list[WebhookDelivery]:
    return await leases.claim(session, DELIVERIES, worker=worker, limit=limit, lease=lease)


async def send(
    client: httpx.AsyncClient, delivery: WebhookDelivery, sub: LeadSubscription, settings: Settings
) -> tuple[int | None, str | None]:
    """POST the event to the checked address; (status code, error)."""
    if sub.webhook_url is None or sub.webhook_disabled_at is not None or sub.deleted_at is not None:
        return None, "the endpoint is disabled or removed"
    try:
        target = await webhooks.resolve(
            sub.webhook_url, settings.webhook_allow_hosts, settings.webhook_allow_ports
        )
    except webhooks.UnsafeUrl as exc:
        return None, f"refused: {exc}"
    try:
        secret = webhooks.open_secret(settings.signing_key, str(sub.id), sub.webhook_secret)
    except secret_box.SecretUnreadable as exc:
        return None, f"cannot sign: {exc}"
    timestamp = int(time.time())
    name = f"[{target.host}]" if ":" in target.host else target.host
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": name if target.port in (80, 443) else f"{name}:{target.port}",
        "webhook-id": delivery.id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhooks.sign(secret, delivery.id, timestamp, delivery.body),
    }
    if target.scheme == "https":
        # We connect to the checked address and name the host for TLS (SNI): a pooled connection is keyed by
        # address, so it must not be reused for another host on the same address.
        headers["connection"] = "close"
    request = client.build_request(
        "POST",
        target.connect_url,
        content=delivery.body.encode(),
        headers=headers,
        timeout=settings.webhook_timeout_seconds,
        extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
    )
    try:
        # One deadline for the whole exchange (httpx's timeout is per step), and the body is never read:
        # a receiver trickling bytes or answering with megabytes cannot hold the relay.
        async with asyncio.timeout(settings.webhook_timeout_seconds):
            response = await client.send(request, stream=True, follow_redirects=False)
            await response.aclose()
    except TimeoutError:
        return None, f"no answer within {settings.webhook_timeout_seconds:g} s"
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {str(exc)[:200]}"
    return response.status_code, None


@dataclass
class Outcome:
    delivery: WebhookDelivery
    sub: LeadSubscription | None
    code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.code is not None and 200 <= self.code < 300


async def _record(
    sessionmaker: async_sessionmaker[AsyncSession],
    outcomes: list[Outcome],
    *,
    worker: str,
    settings: Settings,
) -> None:
    """Record a batch's results in one transaction: each delivery only if our lease still holds (else
    another relay owns it and its result counts), every attempt, and the endpoints' health."""
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        rows = []
        for outcome in outcomes:
            delivery, code = outcome.delivery, outcome.code
            if outcome.ok:
                status, next_at = "succeeded", delivery.next_attempt_at
            elif code == 410 or delivery.attempts >= MAX_ATTEMPTS:
                status, next_at = "dead", delivery.next_attempt_at
            else:
                status, next_at = "pending", now + RETRY_DELAYS[delivery.attempts - 1]
            rows.append((delivery.id, status, code, outcome.error, next_at))
        # One statement for the batch; a row counts only if our lease still holds.
        batch = values(
            column("id", String),
            column("status", String),
            column("code", Integer),
            column("error", Text),
            column("next_at", DateTime(timezone=True)),
            name="result",
        ).data(rows)
        owned = set(
            (
                await session.scalars(
                    update(WebhookDelivery)
                    .where(
                        WebhookDelivery.id == batch.c.id,
                        WebhookDelivery.locked_by == worker,
                        # A cancellation while the request was in flight stands.
                        WebhookDelivery.status == "pending",
                    )
                    .values(
                        status=batch.c.status,
                        last_status_code=cast(batch.c.code, Integer),
                        last_error=batch.c.error,
                        next_attempt_at=batch.c.next_at,
                        locked_until=None,
                        delivered_at=case((batch.c.status == "succeeded", now), else_=None),
                    )
                    .returning(WebhookDelivery.id),
                    execution_options={"synchronize_session": False},
                )
            ).all()
        )
        recorded = [o for o in outcomes if o.delivery.id in owned]
        session.add_all(
            WebhookAttempt(
                delivery_id=o.delivery.id,
                attempt=o.delivery.attempts,
                started_at=now,
                duration_ms=o.duration_ms,
                status_code=o.code,
                error=None if o.ok else o.error,
                worker=worker,
                detail={},
            )
            for o in recorded
        )
        # Endpoint health, per subscription; locked in id order (no deadlock between relays), and only
        # when something changes.
        by_sub: dict[uuid.UUID, list[Outcome]] = {}
        for o in recorded:
            if o.sub is not None:
                by_sub.setdefault(o.sub.id, []).append(o)
        for sub_id in sorted(by_sub):
            results = by_sub[sub_id]
            snapshot = results[0].sub
            assert snapshot is not None
            any_ok = any(o.ok for o in results)
            gone = any(o.code == 410 for o in results)
            if any_ok and not gone and snapshot.failing_since is None:
                continue
            locked = await session.get(LeadSubscription, sub_id, with_for_update=True, populate_existing=True)
            if locked is None or locked.webhook_disabled_at is not None:
                continue
            if any_ok and not gone:
                locked.failing_since = None
                continue
            if locked.failing_since is None:
                locked.failing_since = now
            reason = None
            if gone:
                reason = "the endpoint answered 410 Gone"
            elif now - locked.failing_since >= timedelta(days=settings.webhook_disable_after_days):
                reason = f"every delivery failed for {settings.webhook_disable_after_days} days"
            if reason:
                locked.webhook_disabled_at = now
                locked.webhook_disabled_reason = reason
                await notifications.notify(
                    session,
                    locked.organization_id,
                    "webhook_disabled",
                    f"线索推送地址已停用：{locked.name}",
                    f"原因：{reason}。请修正接收端后重新启用（PATCH webhook_url），并用回放补发。",
                    {"subscription_id": str(locked.id), "reason": reason},
                )
                log.warning(
                    "webhooks.endpoint_disabled", extra={"subscription_id": str(locked.id), "reason": reason}
                )


async def deliver_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    worker: str,
    batch: int = 100,
    lease: timedelta = LEASE,
) -> int:
    """Send one batch of due deliveries; returns how many were attempted (0: nothing due).

    At most CONCURRENCY sends at a time, each bounded by the timeout, so a batch ends well inside its
    lease: BATCH_MAX / CONCURRENCY x timeout (5 x 10 s) < LEASE (120 s)."""
    async with sessionmaker() as session, session.begin():
        deliveries = await claim(session, worker=worker, limit=min(batch, BATCH_MAX), lease=lease)
        # Checked again at send time: a suspension or a withdrawal that raced the claim still stops it.
        cancelled = set(await cancel_not_owed(session, delivery_ids=[d.id for d in deliveries]))
        deliveries = [d for d in deliveries if d.id not in cancelled]
        subs = {
            s.id: s
            for s in (
                await session.scalars(
                    select(LeadSubscription).where(
                        LeadSubscription.id.in_({d.subscription_id for d in deliveries})
                    )
                )
            ).all()
        }
    if not deliveries:
        return len(cancelled)

    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(delivery: WebhookDelivery) -> Outcome:
        sub = subs.get(delivery.subscription_id)
        async with gate:
            return await _attempt(delivery, sub)

    async def _attempt(delivery: WebhookDelivery, sub: LeadSubscription | None) -> Outcome:
        started = time.monotonic()
        code: int | None
        error: str | None
        if sub is None:
            code, error = None, "the subscription is gone"
        else:
            code, error = await send(client, delivery, sub, settings)
        return Outcome(delivery, sub, code, error, int((time.monotonic() - started) * 1000))

    outcomes = await asyncio.gather(*(one(d) for d in deliveries))
    await _record(sessionmaker, list(outcomes), worker=worker, settings=settings)
    return len(deliveries)


def _not_owed() -> ColumnElement[bool]:
    """Deliveries that must not go out: the bank is not vetted (suspended), or the lead's demand no longer
    shares its financing need with banks (consent withdrawn)."""
    bank_not_vetted = (
        select(literal(1))
        .select_from(LeadSubscription)
        .join(Organization, Organization.id == LeadSubscription.organization_id)
        .where(
            LeadSubscription.id == WebhookDelivery.subscription_id, Organization.vetting_status != "vetted"
        )
        .exists()
    )
    consent_withdrawn = (
        select(literal(1))
        .select_from(Lead)
        .join(Demand, Demand.id == Lead.demand_id)
        .where(Lead.id == WebhookDelivery.lead_id, Demand.share_with_banks.is_(False))
        .exists()
    )
    return or_(bank_not_vetted, consent_withdrawn)


async def cancel_not_owed(
    session: AsyncSession,
    *,
    bank_id: uuid.UUID | None = None,
    demand_id: uuid.UUID | None = None,
    delivery_ids: Sequence[str] | None = None,
) -> list[str]:
    """Cancel the pending deliveries (of one bank, one demand, or these) that are no longer owed."""
    stmt = update(WebhookDelivery).where(WebhookDelivery.status == "pending", _not_owed())
    if bank_id is not None:
        stmt = stmt.where(
            WebhookDelivery.subscription_id.in_(
                select(LeadSubscription.id).where(LeadSubscription.organization_id == bank_id)
            )
        )
    if demand_id is not None:
        stmt = stmt.where(WebhookDelivery.lead_id.in_(select(Lead.id).where(Lead.demand_id == demand_id)))
    if delivery_ids is not None:
        stmt = stmt.where(WebhookDelivery.id.in_(list(delivery_ids)))
    result = await session.scalars(
        stmt.values(
            status="cancelled",
            locked_until=None,
            last_error="cancelled: the bank is suspended or the enterprise withdrew its consent",
        ).returning(WebhookDelivery.id),
        execution_options={"synchronize_session": False},
    )
    return list(result.all())


async def replay(session: AsyncSession, delivery_ids: Sequence[str]) -> None:
    """Queue deliveries again, with the same id and body and a fresh retry schedule."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(list(delivery_ids)))
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), locked_until=None, locked_by=None)
    )
