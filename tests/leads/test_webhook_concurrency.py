"""The webhook relay on committed data (a database of its own): two relays never send the same attempt
at once, and a slow, failing or garbage-answering receiver never holds up the others."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.leads import relay, webhooks
from app.models import LeadSubscription, Organization, WebhookDelivery
from tests.fixtures.cli import CHEAP_HASH_SETTINGS
from tests.fixtures.factories import make_uscc
from tests.leads.receiver import running_receiver


@pytest.fixture
async def committed(migrated_scratch_database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(migrated_scratch_database, pool_size=8)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _subscriptions(
    sessionmaker: async_sessionmaker[AsyncSession], urls: list[str], events_each: int
) -> list[uuid.UUID]:
    async with sessionmaker() as session, session.begin():
        bank = Organization(name="测试银行", kind="bank", uscc=make_uscc(), vetting_status="vetted")
        session.add(bank)
        await session.flush()
        ids = []
        for url in urls:
            sub_id = uuid.uuid4()
            sealed = webhooks.seal_secret(_settings().signing_key, str(sub_id), webhooks.new_secret())
            sub = LeadSubscription(
                id=sub_id, organization_id=bank.id, name=url, webhook_url=url, webhook_secret=sealed
            )
            session.add(sub)
            await session.flush()
            ids.append(sub.id)
            for _ in range(events_each):
                session.add(
                    WebhookDelivery(
                        id=f"msg_{uuid.uuid4().hex}",
                        subscription_id=sub.id,
                        event_type="lead.created",
                        body='{"type": "lead.created"}',
                    )
                )
    return ids


def _settings() -> Settings:
    return Settings(
        _env_file=None,
        app_env="test",
        secret_key="x" * 48,
        webhook_allow_hosts=["127.0.0.1"],
        webhook_timeout_seconds=1.0,
        **CHEAP_HASH_SETTINGS,  # type: ignore[arg-type]
    )


async def test_two_relays_never_send_the_same_delivery_at_once(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    with running_receiver() as receiver:
        receiver.behaviour["/slowish"] = (200, 0.05)
        await _subscriptions(committed, [receiver.base + "/slowish"], events_each=40)
        async with httpx.AsyncClient(trust_env=False) as http:

            async def drain(name: str) -> int:
                total = 0
                while moved := await relay.deliver_once(committed, http, _settings(), worker=name, batch=7):
                    total += moved
                return total

            a, b = await asyncio.gather(drain("relay-a"), drain("relay-b"))
        ids = receiver.ids()
        assert a + b == 40 and a > 0 and b > 0
        assert len(ids) == len(set(ids)) == 40
    async with committed() as session:
        statuses = (await session.scalars(select(WebhookDelivery.status))).all()
    assert set(statuses) == {"succeeded"}


async def test_a_slow_or_broken_receiver_does_not_hold_up_the_others(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    with running_receiver() as receiver:
        receiver.behaviour["/slow"] = (200, 3.0)  # beyond the 1 s timeout
        receiver.behaviour["/broken"] = (500, 0.0)
        fast, slow, broken = await _subscriptions(
            committed,
            [receiver.base + "/fast", receiver.base + "/slow", receiver.base + "/broken"],
            events_each=3,
        )
        async with httpx.AsyncClient(trust_env=False) as http:
            started = asyncio.get_running_loop().time()
            moved = await relay.deliver_once(committed, http, _settings(), worker="relay")
            elapsed = asyncio.get_running_loop().time() - started
        assert moved == 9
        # In parallel, each with its own timeout: one slow endpoint costs about one timeout, not nine.
        assert elapsed < 2.5
    async with committed() as session:
        rows = (
            await session.execute(
                select(WebhookDelivery.subscription_id, WebhookDelivery.status, WebhookDelivery.last_error)
            )
        ).all()
    by_sub = {sub: [(status, error) for s, status, error in rows if s == sub] for sub in (fast, slow, broken)}
    assert all(status == "succeeded" for status, _ in by_sub[fast])
    assert all(status == "pending" and "no answer within" in (error or "") for status, error in by_sub[slow])
    assert all(status == "pending" for status, _ in by_sub[broken])
