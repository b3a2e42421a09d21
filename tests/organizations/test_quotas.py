"""Standing objects per organization are capped: a pending organization gets a small allowance of saved
searches, a vetted one a larger one, a bank a fixed number of lead subscriptions; deleting frees room,
and an idempotent retry of a create that got in is not refused by the cap it now fills."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.lead import LeadSubscription, SavedSearch
from tests.fixtures.factories import Account, register_account, vet


async def _save(client: httpx.AsyncClient, who: Account, name: str, **headers: str) -> httpx.Response:
    return await client.post(
        "/saved-searches", headers={**who.headers, **headers}, json={"name": name, "q": "数控机床"}
    )


async def _held(db: AsyncSession, model: Any, organization_id: str) -> int:
    stmt = select(func.count()).select_from(model).where(model.organization_id == organization_id)
    if model is LeadSubscription:
        stmt = stmt.where(LeadSubscription.deleted_at.is_(None))
    return int((await db.execute(stmt)).scalar_one())


async def test_a_pending_supplier_gets_three_saved_searches_and_more_once_vetted(
    app: FastAPI, client: httpx.AsyncClient, admin: Account, db: AsyncSession
) -> None:
    app.state.settings.saved_searches_per_organization = 5
    supplier = await register_account(client, "supplier")
    for i in range(3):
        assert (await _save(client, supplier, f"搜索{i}")).status_code == 201
    refused = await _save(client, supplier, "第四个")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["limit"] == 3 and "审核" in problem["detail"]
    english = await client.post(
        "/saved-searches",
        headers={**supplier.headers, "Accept-Language": "en"},
        json={"name": "fourth", "q": "x"},
    )
    assert english.status_code == 409 and "until the organization is vetted" in english.json()["detail"]
    assert await _held(db, SavedSearch, supplier.organization_id) == 3

    await vet(client, admin, supplier.organization_id)
    for i in range(2):
        assert (await _save(client, supplier, f"审核后{i}")).status_code == 201
    full = await _save(client, supplier, "第六个")
    assert full.status_code == 409 and full.json()["limit"] == 5
    assert "审核" not in full.json()["detail"]

    first = (await client.get("/saved-searches", headers=supplier.headers)).json()["items"][0]
    deleted = await client.delete(f"/saved-searches/{first['id']}", headers=supplier.headers)
    assert deleted.status_code == 204
    assert (await _save(client, supplier, "腾出位置后")).status_code == 201
    assert await _held(db, SavedSearch, supplier.organization_id) == 5


async def test_a_retried_create_that_filled_the_last_place_is_answered_as_before(
    client: httpx.AsyncClient,
) -> None:
    supplier = await register_account(client, "supplier")
    for i in range(2):
        assert (await _save(client, supplier, f"搜索{i}")).status_code == 201
    first = await _save(client, supplier, "最后一个", **{"Idempotency-Key": "last-place-1"})
    again = await _save(client, supplier, "最后一个", **{"Idempotency-Key": "last-place-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert (await _save(client, supplier, "再一个", **{"Idempotency-Key": "last-place-2"})).status_code == 409


async def test_a_bank_holds_a_fixed_number_of_subscriptions(
    app: FastAPI, client: httpx.AsyncClient, bank: Account, db: AsyncSession
) -> None:
    app.state.settings.lead_subscriptions_per_organization = 2
    made = []
    for i in range(2):
        r = await client.post("/lead-subscriptions", headers=bank.headers, json={"name": f"订阅{i}"})
        assert r.status_code == 201, r.text
        made.append(r.json())
    refused = await client.post("/lead-subscriptions", headers=bank.headers, json={"name": "第三个"})
    assert refused.status_code == 409 and refused.json()["limit"] == 2
    assert await _held(db, LeadSubscription, bank.organization_id) == 2
    gone = await client.delete(f"/lead-subscriptions/{made[0]['id']}", headers=bank.headers)
    assert gone.status_code == 204
    again = await client.post("/lead-subscriptions", headers=bank.headers, json={"name": "第三个"})
    assert again.status_code == 201
