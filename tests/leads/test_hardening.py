"""Webhook hardening: signing secrets sealed at rest and kept out of the idempotency store, an SSRF guard
that maps nothing and keeps to ports 443/80, and events that stop when the bank is suspended or the
enterprise withdraws its consent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.leads import relay
from app.main import create_app
from app.models import LeadSubscription, Organization, WebhookDelivery
from app.models.idempotency import IdempotencyKey
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


async def _deliver(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as http:
        return await relay.deliver_once(sessionmaker, http, settings, worker="relay-h")


async def _statuses(db: AsyncSession, sub_id: str) -> list[str]:
    rows = await db.scalars(
        select(WebhookDelivery.status).where(WebhookDelivery.subscription_id == uuid.UUID(sub_id))
    )
    return list(rows.all())


class TestSecretsAtRest:
    async def test_the_secret_is_sealed_and_the_idempotency_store_never_holds_it(
        self, client: httpx.AsyncClient, db: AsyncSession, bank: Account
    ) -> None:
        headers = {**bank.headers, "Idempotency-Key": "sub-1"}
        first = await client.post("/lead-subscriptions", headers=headers, json={"name": "推送"})
        assert first.status_code == 201
        secret = first.json()["webhook_secret"]
        assert secret.startswith("whsec_")
        stored = await db.scalar(
            select(LeadSubscription.webhook_secret).where(
                LeadSubscription.id == uuid.UUID(first.json()["id"])
            )
        )
        assert stored is not None and stored.startswith("v1.") and secret not in stored
        kept = await db.scalar(select(IdempotencyKey.response_body).where(IdempotencyKey.key == "sub-1"))
        assert kept is not None and "webhook_secret" not in kept and secret not in str(kept)
        # A retry whose first answer was lost still gets the secret, read from the sealed copy.
        again = await client.post("/lead-subscriptions", headers=headers, json={"name": "推送"})
        assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        rotated = await client.post(
            f"/lead-subscriptions/{first.json()['id']}/rotate-secret", headers=bank.headers
        )
        new_secret = rotated.json()["webhook_secret"]
        stored = await db.scalar(
            select(LeadSubscription.webhook_secret)
            .where(LeadSubscription.id == uuid.UUID(first.json()["id"]))
            .execution_options(populate_existing=True)
        )
        assert stored is not None and new_secret not in stored and secret not in stored

    async def test_a_sealed_secret_moved_to_another_subscription_does_not_open(
        self,
        client: httpx.AsyncClient,
        db: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        relay_settings: Settings,
        receiver: Receiver,
        bank: Account,
        enterprise: Account,
    ) -> None:
        one = (
            await client.post(
                "/lead-subscriptions",
                headers=bank.headers,
                json={"name": "甲", "webhook_url": receiver.base + "/a"},
            )
        ).json()
        two = (await client.post("/lead-subscriptions", headers=bank.headers, json={"name": "乙"})).json()
        stolen = await db.scalar(
            select(LeadSubscription.webhook_secret).where(LeadSubscription.id == uuid.UUID(two["id"]))
        )
        await db.execute(
            update(LeadSubscription)
            .where(LeadSubscription.id == uuid.UUID(one["id"]))
            .values(webhook_secret=stolen)
        )
        await published_demand(client, enterprise)
        await _deliver(sessionmaker, relay_settings)
        assert receiver.received == []  # nothing signed with a secret that is not this subscription's
        (error,) = await db.scalars(
            select(WebhookDelivery.last_error).where(WebhookDelivery.subscription_id == uuid.UUID(one["id"]))
        )
        assert error is not None and "cannot sign" in error


class TestSsrfGuard:
    async def test_a_name_that_resolves_inside_is_refused_without_saying_where(
        self, client: httpx.AsyncClient, bank: Account
    ) -> None:
        response = await client.post(
            "/lead-subscriptions",
            headers={**bank.headers, "Accept-Language": "en"},
            json={"name": "x", "webhook_url": "https://localhost/hook"},
        )
        assert response.status_code == 422
        message = response.json()["errors"][0]["msg"]
        assert "not public" in message
        assert "127.0.0.1" not in response.text and "::1" not in response.text

    async def test_only_ports_443_and_80_unless_configured(
        self, client: httpx.AsyncClient, settings: Settings, sessionmaker: Any, bank: Account
    ) -> None:
        url = "https://93.184.216.34:8443/hook"
        refused = await client.post(
            "/lead-subscriptions",
            headers={**bank.headers, "Accept-Language": "en"},
            json={"name": "x", "webhook_url": url},
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["loc"] == ["body", "webhook_url"]
        assert "port" in refused.json()["errors"][0]["msg"]
        configured = create_app(
            settings.model_copy(update={"webhook_allow_ports": [8443]}), sessionmaker=sessionmaker
        )
        transport = httpx.ASGITransport(app=configured, client=("203.0.113.10", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as other:
            allowed = await other.post(
                "/lead-subscriptions", headers=bank.headers, json={"name": "x", "webhook_url": url}
            )
        assert allowed.status_code == 201, allowed.text
        assert (
            await client.post(
                "/lead-subscriptions",
                headers=bank.headers,
                json={"name": "x", "webhook_url": "https://93.184.216.34:443/hook"},
            )
        ).status_code == 201


class TestEventsStop:
    async def _queued(
        self, client: httpx.AsyncClient, bank: Account, enterprise: Account, receiver: Receiver
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        sub = await client.post(
            "/lead-subscriptions",
            headers=bank.headers,
            json={"name": "推送", "webhook_url": receiver.base + "/h"},
        )
        assert sub.status_code == 201
        demand = await published_demand(client, enterprise)
        return sub.json(), demand

    async def test_a_suspended_bank_gets_no_queued_events(
        self,
        client: httpx.AsyncClient,
        db: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        relay_settings: Settings,
        receiver: Receiver,
        admin: Account,
        bank: Account,
        enterprise: Account,
    ) -> None:
        sub, _ = await self._queued(client, bank, enterprise, receiver)
        assert await _statuses(db, sub["id"]) == ["pending"]
        suspended = await client.post(
            f"/admin/organizations/{bank.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "suspend", "note": "资质到期"},
        )
        assert suspended.status_code == 200
        assert await _statuses(db, sub["id"]) == ["cancelled"]
        await _deliver(sessionmaker, relay_settings)
        assert receiver.received == []
        # Nor new leads while suspended.
        await published_demand(client, enterprise)
        assert await _statuses(db, sub["id"]) == ["cancelled"]

    async def test_withdrawn_consent_stops_queued_events(
        self,
        client: httpx.AsyncClient,
        db: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        relay_settings: Settings,
        receiver: Receiver,
        bank: Account,
        enterprise: Account,
    ) -> None:
        sub, demand = await self._queued(client, bank, enterprise, receiver)
        withdrawn = await client.patch(
            f"/demands/{demand['id']}", headers=enterprise.headers, json={"share_with_banks": False}
        )
        assert withdrawn.status_code == 200, withdrawn.text
        assert await _statuses(db, sub["id"]) == ["cancelled"]
        deliveries = (
            await client.get(f"/lead-subscriptions/{sub['id']}/deliveries", headers=bank.headers)
        ).json()["items"]
        assert [d["status"] for d in deliveries] == ["cancelled"]
        await _deliver(sessionmaker, relay_settings)
        assert receiver.received == []

    async def test_a_suspension_that_races_the_relay_still_stops_the_send(
        self,
        client: httpx.AsyncClient,
        db: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        relay_settings: Settings,
        receiver: Receiver,
        bank: Account,
        enterprise: Account,
    ) -> None:
        sub, _ = await self._queued(client, bank, enterprise, receiver)
        # Suspended behind the API's back (no cancellation ran): the relay checks at send time.
        await db.execute(
            update(Organization)
            .where(Organization.id == uuid.UUID(bank.organization_id))
            .values(vetting_status="suspended")
        )
        await _deliver(sessionmaker, relay_settings)
        assert receiver.received == []
        assert await _statuses(db, sub["id"]) == ["cancelled"]
