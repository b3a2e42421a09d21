"""Webhook delivery: Standard Webhooks signatures, retries with the same webhook-id, 410, dead letters and
replay, at-least-once across a relay crash, SSRF at delivery, endpoints disabled after days of failure."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.leads import relay, webhooks
from app.models import LeadSubscription, WebhookDelivery
from app.models.base import utcnow
from tests.fixtures.factories import Account, published_demand
from tests.leads.receiver import Receiver, running_receiver


@pytest.fixture
def receiver(app: FastAPI) -> Iterator[Receiver]:
    app.state.settings.webhook_allow_hosts = ["127.0.0.1"]
    with running_receiver() as state:
        yield state


@pytest.fixture
def relay_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_hosts": ["127.0.0.1"], "webhook_timeout_seconds": 2.0})


async def _setup(
    client: httpx.AsyncClient, bank: Account, enterprise: Account, url: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    sub = await client.post(
        "/lead-subscriptions", headers=bank.headers, json={"name": "推送", "webhook_url": url}
    )
    assert sub.status_code == 201, sub.text
    demand = await published_demand(client, enterprise)
    return sub.json(), demand


async def _deliver(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, worker: str = "relay-a"
) -> int:
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as http:
        return await relay.deliver_once(sessionmaker, http, settings, worker=worker)


async def _due_now(db: AsyncSession) -> None:
    await db.execute(update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    await db.commit()


async def _deliveries(client: httpx.AsyncClient, bank: Account, sub_id: str) -> list[dict[str, Any]]:
    body = (await client.get(f"/lead-subscriptions/{sub_id}/deliveries", headers=bank.headers)).json()
    items: list[dict[str, Any]] = body["items"]
    return items


async def test_signed_delivery_a_receiver_can_verify(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    relay_settings: Settings,
    receiver: Receiver,
    bank: Account,
    enterprise: Account,
) -> None:
    sub, demand = await _setup(client, bank, enterprise, receiver.base + "/hook")
    assert await _deliver(sessionmaker, relay_settings) == 1
    (got,) = receiver.received
    assert got.headers["webhook-id"].startswith("msg_")
    assert webhooks.verify(
        sub["webhook_secret"],
        got.headers["webhook-id"],
        int(got.headers["webhook-timestamp"]),
        got.body,
        got.headers["webhook-signature"],
    )
    assert not webhooks.verify(
        "whsec_" + "A" * 44,
        got.headers["webhook-id"],
        int(got.headers["webhook-timestamp"]),
        got.body,
        got.headers["webhook-signature"],
    )
    event = json.loads(got.body)
    assert event["type"] == "lead.created" and event["data"]["demand"]["id"] == demand["id"]
    assert event["data"]["contact"] is None
    (log,) = await _deliveries(client, bank, sub["id"])
    assert log["status"] == "succeeded" and log["attempt_log"][0]["status_code"] == 204
    assert await _deliver(sessionmaker, relay_settings) == 0  # nothing more to do


async def test_failures_retry_on_schedule_with_the_same_id_then_die_and_replay(
    client: httpx.AsyncClient,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    relay_settings: Settings,
    receiver: Receiver,
    bank: Account,
    enterprise: Account,
) -> None:
    receiver.behaviour["/hook"] = (500, 0.0)
    sub, _ = await _setup(client, bank, enterprise, receiver.base + "/hook")
    before = utcnow()
    await _deliver(sessionmaker, relay_settings)
    (log,) = await _deliveries(client, bank, sub["id"])
    assert log["status"] == "pending" and log["last_status_code"] == 500
    due = await db.scalar(select(WebhookDelivery.next_attempt_at))
    assert due is not None and timedelta(seconds=4) < due - before < timedelta(seconds=30)
    # Down for the whole window: every attempt, then dead.
    for _ in range(relay.MAX_ATTEMPTS - 1):
        await _due_now(db)
        await _deliver(sessionmaker, relay_settings)
    (log,) = await _deliveries(client, bank, sub["id"])
    assert log["status"] == "dead" and log["attempts"] == relay.MAX_ATTEMPTS
    assert len(log["attempt_log"]) == relay.MAX_ATTEMPTS
    assert len(set(receiver.ids())) == 1 and len(receiver.ids()) == relay.MAX_ATTEMPTS
    await _due_now(db)
    assert await _deliver(sessionmaker, relay_settings) == 0  # dead stays dead
    # The receiver is back; replay sends the same event again.
    receiver.behaviour["/hook"] = (200, 0.0)
    replayed = await client.post(
        f"/lead-subscriptions/{sub['id']}/deliveries/{log['id']}/replay", headers=bank.headers
    )
    assert replayed.status_code == 202 and replayed.json()["status"] == "pending"
    await _deliver(sessionmaker, relay_settings)
    assert receiver.ids()[-1] == log["id"]
    assert (await _deliveries(client, bank, sub["id"]))[0]["status"] == "succeeded"
    missing = await client.post(
        f"/lead-subscriptions/{sub['id']}/deliveries/msg_{uuid.uuid4().hex}/replay", headers=bank.headers
    )
    assert missing.status_code == 404
    malformed = await client.post(
        f"/lead-subscriptions/{sub['id']}/deliveries/msg_nope/replay", headers=bank.headers
    )
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["loc"] == ["path", "delivery_id"]


async def test_410_disables_the_endpoint_and_tells_the_bank(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    relay_settings: Settings,
    receiver: Receiver,
    bank: Account,
    enterprise: Account,
) -> None:
    receiver.behaviour["/gone"] = (410, 0.0)
    sub, _ = await _setup(client, bank, enterprise, receiver.base + "/gone")
    await _deliver(sessionmaker, relay_settings)
    state = (await client.get(f"/lead-subscriptions/{sub['id']}", headers=bank.headers)).json()
    assert state["webhook_status"] == "disabled" and "410" in state["webhook_disabled_reason"]
    assert (await _deliveries(client, bank, sub["id"]))[0]["status"] == "dead"
    inbox = (await client.get("/notifications", headers=bank.headers)).json()["items"]
    assert "webhook_disabled" in [n["kind"] for n in inbox]
    # New leads still reach the pull feed, without webhook events, until the bank sets the URL again.
    await published_demand(client, enterprise)
    assert len((await client.get("/leads", headers=bank.headers)).json()["items"]) == 2
    assert len(await _deliveries(client, bank, sub["id"])) == 1
    fixed = await client.patch(
        f"/lead-subscriptions/{sub['id']}",
        headers=bank.headers,
        json={"webhook_url": receiver.base + "/hook"},
    )
    assert fixed.json()["webhook_status"] == "active"


async def test_an_endpoint_failing_for_days_is_disabled(
    client: httpx.AsyncClient,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    relay_settings: Settings,
    receiver: Receiver,
    bank: Account,
    enterprise: Account,
) -> None:
    receiver.behaviour["/hook"] = (503, 0.0)
    sub, _ = await _setup(client, bank, enterprise, receiver.base + "/hook")
    await db.execute(
        update(LeadSubscription)
        .where(LeadSubscription.id == uuid.UUID(sub["id"]))
        .values(failing_since=utcnow() - timedelta(days=relay_settings.webhook_disable_after_days, hours=1))
    )
    await db.commit()
    await _deliver(sessionmaker, relay_settings)
    state = (await client.get(f"/lead-subscriptions/{sub['id']}", headers=bank.headers)).json()
    assert state["webhook_status"] == "disabled" and "days" in state["webhook_disabled_reason"]


async def test_a_crash_after_sending_redelivers_with_the_same_id(
    client: httpx.AsyncClient,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    relay_settings: Settings,
    receiver: Receiver,
    bank: Account,
    enterprise: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sub, _ = await _setup(client, bank, enterprise, receiver.base + "/hook")

    class Killed(Exception):
        pass

    async def crash(*args: object, **kwargs: object) -> None:
        raise Killed("killed between sending and recording")

    monkeypatch.setattr(relay, "_record", crash)
    with pytest.raises(Killed):
        await _deliver(sessionmaker, relay_settings, worker="doomed")
    monkeypatch.undo()
    assert len(receiver.ids()) == 1
    # While it is leased (being sent), a replay would send it twice at once: refused.
    (leased,) = await _deliveries(client, bank, sub["id"])
    busy = await client.post(
        f"/lead-subscriptions/{sub['id']}/deliveries/{leased['id']}/replay", headers=bank.headers
    )
    assert busy.status_code == 409
    # Another relay cannot take it while the lease holds …
    assert await _deliver(sessionmaker, relay_settings, worker="relay-b") == 0
    # … and takes it when the lease runs out: the same event, the same id.
    await db.execute(update(WebhookDelivery).values(locked_until=utcnow() - timedelta(seconds=1)))
    await db.commit()
    assert await _deliver(sessionmaker, relay_settings, worker="relay-b") == 1
    first, second = receiver.ids()
    assert first == second
    assert (await _deliveries(client, bank, sub["id"]))[0]["status"] == "succeeded"


async def test_addresses_are_checked_again_at_delivery(
    client: httpx.AsyncClient,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    relay_settings: Settings,
    receiver: Receiver,
    bank: Account,
    enterprise: Account,
) -> None:
    sub, _ = await _setup(client, bank, enterprise, receiver.base + "/hook")
    # The URL changed behind the API's back (or its DNS now points inside): the relay refuses to call it.
    await db.execute(
        update(LeadSubscription)
        .where(LeadSubscription.id == uuid.UUID(sub["id"]))
        .values(webhook_url="https://169.254.169.254/latest/meta-data")
    )
    await db.commit()
    await _deliver(sessionmaker, relay_settings)
    (log,) = await _deliveries(client, bank, sub["id"])
    assert log["status"] == "pending" and log["last_status_code"] is None
    assert "refused" in log["last_error"] and "metadata" in log["last_error"]
    assert receiver.received == []
