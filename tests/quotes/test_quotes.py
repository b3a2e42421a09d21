from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Demand
from tests.fixtures.factories import (
    Account,
    create_demand,
    listed_product,
    published_demand,
    register_account,
    vetted_account,
)


@pytest.fixture
async def owner(client: httpx.AsyncClient, admin: Account) -> Account:
    return await vetted_account(client, admin, "enterprise")


async def _quote(
    client: httpx.AsyncClient, demand_id: str, who: Account, price: int = 9_000_000, **extra: object
) -> httpx.Response:
    return await client.post(
        f"/demands/{demand_id}/quotes",
        headers=who.headers,
        json={"price_cny": price, "delivery_days": 90, "message": "含安装调试", **extra},
    )


class TestCreateQuote:
    async def test_a_vetted_supplier_quotes_with_its_product(
        self, client: httpx.AsyncClient, owner: Account, supplier: Account, admin: Account
    ) -> None:
        demand = await published_demand(client, owner)
        product = await listed_product(client, supplier, admin)
        response = await _quote(client, demand["id"], supplier, product_id=product["id"])
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "submitted" and body["product"]["model"] == "TDR-120"
        assert body["supplier"]["id"] == supplier.organization_id

    async def test_a_vetted_provider_quotes(
        self, client: httpx.AsyncClient, owner: Account, admin: Account
    ) -> None:
        provider = await vetted_account(client, admin, "provider")
        demand = await published_demand(client, owner)
        assert (await _quote(client, demand["id"], provider)).status_code == 201

    async def test_unvetted_suppliers_and_other_kinds_cannot(
        self, client: httpx.AsyncClient, owner: Account
    ) -> None:
        demand = await published_demand(client, owner)
        pending = await register_account(client, "supplier")
        assert (await _quote(client, demand["id"], pending)).status_code == 403
        bank = await register_account(client, "bank")
        assert (await _quote(client, demand["id"], bank)).status_code == 403
        assert (await _quote(client, demand["id"], owner)).status_code == 403

    async def test_drafts_and_closed_demands_take_no_quotes(
        self, client: httpx.AsyncClient, owner: Account, supplier: Account
    ) -> None:
        draft = await create_demand(client, owner)
        assert (await _quote(client, draft["id"], supplier)).status_code == 404
        closed = await published_demand(client, owner)
        await client.post(f"/demands/{closed['id']}/close", headers=owner.headers)
        assert (await _quote(client, closed["id"], supplier)).status_code == 409

    async def test_the_product_must_be_the_suppliers_own_listed_one(
        self, client: httpx.AsyncClient, owner: Account, supplier: Account, admin: Account
    ) -> None:
        demand = await published_demand(client, owner)
        rival = await vetted_account(client, admin, "supplier")
        rivals_product = await listed_product(client, rival, admin)
        response = await _quote(client, demand["id"], supplier, product_id=rivals_product["id"])
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "product_id"]

    @pytest.mark.parametrize(
        ("field", "value"),
        [("price_cny", 0), ("price_cny", -5), ("delivery_days", 0), ("message", "话" * 2001)],
    )
    async def test_bad_input(
        self, client: httpx.AsyncClient, owner: Account, supplier: Account, field: str, value: object
    ) -> None:
        demand = await published_demand(client, owner)
        body = {"price_cny": 1000, "delivery_days": 30, field: value}
        response = await client.post(f"/demands/{demand['id']}/quotes", headers=supplier.headers, json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", field]


class TestSeeingQuotes:
    async def test_owner_sees_all_side_by_side_supplier_only_its_own(
        self, client: httpx.AsyncClient, owner: Account, supplier: Account, admin: Account
    ) -> None:
        demand = await published_demand(client, owner)
        rival = await vetted_account(client, admin, "supplier")
        mine = (await _quote(client, demand["id"], supplier, price=9_000_000)).json()
        theirs = (await _quote(client, demand["id"], rival, price=8_000_000)).json()
        url = f"/demands/{demand['id']}/quotes"
        by_price = (await client.get(url, headers=owner.headers, params={"sort": "price"})).json()
        assert [q["id"] for q in by_price["items"]] == [theirs["id"], mine["id"]]
        own = (await client.get(url, headers=supplier.headers)).json()
        assert [q["id"] for q in own["items"]] == [mine["id"]]
        assert (await client.get(f"/quotes/{theirs['id']}", headers=supplier.headers)).status_code == 404
        assert (await client.get(f"/quotes/{theirs['id']}", headers=owner.headers)).status_code == 200
        my_quotes = (await client.get("/me/quotes", headers=supplier.headers)).json()
        assert [q["id"] for q in my_quotes["items"]] == [mine["id"]]


class TestDecidingQuotes:
    async def test_accepting_contracts_the_demand(
        self, client: httpx.AsyncClient, owner: Account, supplier: Account, admin: Account, db: AsyncSession
    ) -> None:
        demand = await published_demand(client, owner)
        quote = (await _quote(client, demand["id"], supplier, price=9_500_000)).json()
        provider = await vetted_account(client, admin, "provider")
        other = (await _quote(client, demand["id"], provider, price=9_000_000)).json()
        response = await client.post(f"/quotes/{quote['id']}/accept", headers=owner.headers)
        assert response.status_code == 200 and response.json()["status"] == "accepted"
        stored = await db.get(Demand, demand["id"])
        assert stored is not None
        await db.refresh(stored)
        assert stored.status == "contracted" and stored.contracted_amount_cny == 9_500_000
        # One accepted quote makes the contract: no second acceptance, no new quotes, the same amount.
        assert (await client.post(f"/quotes/{other['id']}/accept", headers=owner.headers)).status_code == 409
        assert (await client.post(f"/quotes/{quote['id']}/accept", headers=owner.headers)).status_code == 409
        assert (await _quote(client, demand["id"], provider, price=1_500_000)).status_code == 409
        await db.refresh(stored)
        assert stored.contracted_amount_cny == 9_500_000

    async def test_only_the_owner_decides(
        self, client: httpx.AsyncClient, owner: Account, supplier: Account
    ) -> None:
        demand = await published_demand(client, owner)
        quote = (await _quote(client, demand["id"], supplier)).json()
        assert (
            await client.post(f"/quotes/{quote['id']}/accept", headers=supplier.headers)
        ).status_code == 403
        stranger = await register_account(client, "enterprise")
        assert (
            await client.post(f"/quotes/{quote['id']}/accept", headers=stranger.headers)
        ).status_code == 404

    async def test_decline_and_withdraw(
        self, client: httpx.AsyncClient, owner: Account, supplier: Account
    ) -> None:
        demand = await published_demand(client, owner)
        first = (await _quote(client, demand["id"], supplier)).json()
        declined = await client.post(f"/quotes/{first['id']}/decline", headers=owner.headers)
        assert declined.json()["status"] == "declined"
        assert (
            await client.post(f"/quotes/{first['id']}/withdraw", headers=supplier.headers)
        ).status_code == 409
        second = (await _quote(client, demand["id"], supplier)).json()
        assert (
            await client.post(f"/quotes/{second['id']}/withdraw", headers=owner.headers)
        ).status_code == 403
        withdrawn = await client.post(f"/quotes/{second['id']}/withdraw", headers=supplier.headers)
        assert withdrawn.json()["status"] == "withdrawn"
        assert (await client.post(f"/quotes/{second['id']}/accept", headers=owner.headers)).status_code == 409
