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
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.kit import secret_box
from app.leads import repository, webhooks
from app.models.base import utcnow
from app.models.lead import LeadSubscription, WebhookAttempt, WebhookDelivery
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
        owned = await repository.settle_deliveries(
            session, [_settled(o, now) for o in outcomes], worker=worker, now=now
        )
        recorded = [o for o in outcomes if o.delivery.id in owned]
        _record_attempts(session, recorded, worker=worker, started_at=now)
        await _judge_endpoints(session, recorded, now=now, settings=settings)


def _settled(outcome: Outcome, now: datetime) -> repository.Settled:
    """Where the attempt leaves its delivery: done, dead (410, or out of attempts), or due again later."""
    delivery, code = outcome.delivery, outcome.code
    if outcome.ok:
        status, next_at = "succeeded", delivery.next_attempt_at
    elif code == 410 or delivery.attempts >= MAX_ATTEMPTS:
        status, next_at = "dead", delivery.next_attempt_at
    else:
        status, next_at = "pending", now + RETRY_DELAYS[delivery.attempts - 1]
    return repository.Settled(delivery.id, status, code, outcome.error, next_at)


def _record_attempts(
    session: AsyncSession, recorded: list[Outcome], *, worker: str, started_at: datetime
) -> None:
    """One row per attempt whose result counted, for the bank's delivery log (an error only on failure)."""
    session.add_all(
        WebhookAttempt(
            delivery_id=o.delivery.id,
            attempt=o.delivery.attempts,
            started_at=started_at,
            duration_ms=o.duration_ms,
            status_code=o.code,
            error=None if o.ok else o.error,
            worker=worker,
            detail={},
        )
        for o in recorded
    )


async def _judge_endpoints(
    session: AsyncSession, recorded: list[Outcome], *, now: datetime, settings: Settings
) -> None:
    """Endpoint health, per subscription: a success clears the failing streak; a 410, or failing for
    WEBHOOK_DISABLE_AFTER_DAYS, disables the endpoint. Subscriptions are locked in id order (no deadlock
    between relays), and only when something changes."""
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
        locked = await repository.lock_subscription(session, sub_id)
        if locked is None or locked.webhook_disabled_at is not None:
            continue
        if any_ok and not gone:
            locked.failing_since = None
            continue
        if locked.failing_since is None:
            locked.failing_since = now
        if gone:
            await _disable(session, locked, "the endpoint answered 410 Gone", now=now)
        elif now - locked.failing_since >= timedelta(days=settings.webhook_disable_after_days):
            reason = f"every delivery failed for {settings.webhook_disable_after_days} days"
            await _disable(session, locked, reason, now=now)


async def _disable(session: AsyncSession, sub: LeadSubscription, reason: str, *, now: datetime) -> None:
    """Stop sending to the endpoint, and tell the bank why and how to turn it back on."""
    sub.webhook_disabled_at = now
    sub.webhook_disabled_reason = reason
    await notifications.notify(
        session,
        sub.organization_id,
        "webhook_disabled",
        f"线索推送地址已停用：{sub.name}",
        f"原因：{reason}。请修正接收端后重新启用（PATCH webhook_url），并用回放补发。",
        {"subscription_id": str(sub.id), "reason": reason},
    )
    log.warning("webhooks.endpoint_disabled", extra={"subscription_id": str(sub.id), "reason": reason})


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
        deliveries = await repository.claim_deliveries(
            session, worker=worker, limit=min(batch, BATCH_MAX), lease=lease
        )
        # Checked again at send time: a suspension or a withdrawal that raced the claim still stops it.
        cancelled = set(await cancel_not_owed(session, delivery_ids=[d.id for d in deliveries]))
        deliveries = [d for d in deliveries if d.id not in cancelled]
        subs = await repository.subscriptions(session, {d.subscription_id for d in deliveries})
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


async def cancel_not_owed(
    session: AsyncSession,
    *,
    bank_id: uuid.UUID | None = None,
    demand_id: uuid.UUID | None = None,
    delivery_ids: Sequence[str] | None = None,
) -> list[str]:
    """Cancel the pending deliveries (of one bank, one demand, or these) that are no longer owed: the bank
    is suspended, or the enterprise withdrew its consent. Called where either happens, and again at send
    time for what raced it."""
    return await repository.cancel_not_owed(
        session, bank_id=bank_id, demand_id=demand_id, delivery_ids=delivery_ids
    )


async def replay(session: AsyncSession, delivery_ids: Sequence[str]) -> None:
    """Queue deliveries again, with the same id and body and a fresh retry schedule."""
    await repository.requeue_deliveries(session, delivery_ids, now=utcnow())
