"""Create endpoints honour Idempotency-Key: same key and body replay; another body is 422; keys per caller."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Demand
from tests.fixtures.factories import Account, admin_account, demand_payload, vetted_account


@pytest.fixture
async def enterprise(client: httpx.AsyncClient, db: AsyncSession) -> Account:
    return await vetted_account(client, await admin_account(client, db), "enterprise")


async def _count(db: AsyncSession) -> int:
    return (await db.execute(select(func.count()).select_from(Demand))).scalar_one()


class TestIdempotencyKey:
    async def test_a_retry_replays_the_first_response(
        self, client: httpx.AsyncClient, enterprise: Account, db: AsyncSession
    ) -> None:
        headers = {**enterprise.headers, "Idempotency-Key": "demand-retry-1"}
        before = await _count(db)
        first = await client.post("/demands", json=demand_payload(), headers=headers)
        again = await client.post("/demands", json=demand_payload(), headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert await _count(db) == before + 1

    async def test_the_same_key_with_another_body_is_422(
        self, client: httpx.AsyncClient, enterprise: Account, db: AsyncSession
    ) -> None:
        headers = {**enterprise.headers, "Idempotency-Key": "demand-retry-2"}
        await client.post("/demands", json=demand_payload(), headers=headers)
        before = await _count(db)
        other = await client.post("/demands", json=demand_payload(title="另一个需求"), headers=headers)
        assert other.status_code == 422
        assert other.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
        assert await _count(db) == before

    async def test_keys_are_scoped_to_the_caller(
        self, client: httpx.AsyncClient, enterprise: Account, db: AsyncSession
    ) -> None:
        other = await vetted_account(client, await admin_account(client, db), "enterprise")
        key = {"Idempotency-Key": "shared-key"}
        mine = await client.post("/demands", json=demand_payload(), headers={**enterprise.headers, **key})
        theirs = await client.post("/demands", json=demand_payload(), headers={**other.headers, **key})
        assert mine.status_code == theirs.status_code == 201
        assert mine.json()["id"] != theirs.json()["id"]

    async def test_a_failed_request_stores_nothing_and_may_be_retried(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        headers = {**enterprise.headers, "Idempotency-Key": "demand-retry-3"}
        bad = await client.post("/demands", json=demand_payload(region_code="999999"), headers=headers)
        assert bad.status_code == 422
        good = await client.post(
            "/demands", json=demand_payload(region_code="999999") | {"region_code": "510100"}, headers=headers
        )
        assert good.status_code == 201

    async def test_an_over_long_key_is_422(self, client: httpx.AsyncClient, enterprise: Account) -> None:
        response = await client.post(
            "/demands", json=demand_payload(), headers={**enterprise.headers, "Idempotency-Key": "k" * 201}
        )
        assert response.status_code == 422
