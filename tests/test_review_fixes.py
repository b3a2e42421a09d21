"""Regressions found in review: forged cursors, nulls for required fields, suspended owners' demands,
and a Meilisearch reindex that must not bring back what was deleted."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.indexing.maintenance import reindex
from search.meili import MeilisearchEngine
from tests.fixtures.factories import Account, listed_product, published_demand, register_account
from tests.fixtures.fake_meili import FakeMeiliServer


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


class TestForgedCursors:
    @pytest.mark.parametrize(
        "payload",
        [[{"u": str(uuid.uuid4())}, {"t": "2026-01-01T00:00:00+00:00"}], ["x", "y"], [1, 2], [None, True]],
    )
    async def test_list_cursor_with_wrong_types_is_422(
        self, client: httpx.AsyncClient, payload: object
    ) -> None:
        response = await client.get("/demands", params={"cursor": _cursor(payload)})
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"]

    @pytest.mark.parametrize(
        "payload",
        [
            {"e": "pg", "s": "newest"},
            {"e": "pg", "s": "newest", "k": [1, 2, "x"]},
            {"e": "pg", "s": "newest", "k": ["a", 2, str(uuid.uuid4())]},
            {"e": "meili", "s": "newest", "o": -5},
        ],
    )
    async def test_search_cursor_with_wrong_shape_is_422(
        self, client: httpx.AsyncClient, payload: object
    ) -> None:
        response = await client.get("/search/demands", params={"cursor": _cursor(payload)})
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


class TestNullsForRequiredFields:
    @pytest.mark.parametrize("field", ["description", "provider_types", "name"])
    async def test_null_is_422_not_500(self, client: httpx.AsyncClient, field: str) -> None:
        account = await register_account(client, "supplier")
        response = await client.patch(
            f"/organizations/{account.organization_id}", headers=account.headers, json={field: None}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", field]


class TestSuspendedOwners:
    async def test_a_suspended_enterprises_demands_leave_public_view(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
    ) -> None:
        demand = await published_demand(client, enterprise, title="隧道窑节能改造项目")
        await client.post(
            f"/admin/organizations/{enterprise.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "suspend", "note": "核查中"},
        )
        assert (await client.get(f"/demands/{demand['id']}")).status_code == 404
        assert demand["id"] not in [
            d["id"] for d in (await client.get("/demands", params={"limit": 100})).json()["items"]
        ]
        assert demand["id"] not in [
            d["id"] for d in (await client.get("/search/demands", params={"q": "隧道窑"})).json()["items"]
        ]
        quote = await client.post(
            f"/demands/{demand['id']}/quotes",
            headers=supplier.headers,
            json={"price_cny": 1000, "delivery_days": 10},
        )
        assert quote.status_code == 404
        # The owner and admins still see it.
        assert (await client.get(f"/demands/{demand['id']}", headers=enterprise.headers)).status_code == 200
        assert (await client.get(f"/demands/{demand['id']}", headers=admin.headers)).status_code == 200


@pytest.fixture
def fake() -> Iterator[FakeMeiliServer]:
    with FakeMeiliServer() as server:
        yield server


async def test_meilisearch_reindex_swaps_and_drops_what_was_deleted(
    client: httpx.AsyncClient,
    admin: Account,
    supplier: Account,
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeMeiliServer,
) -> None:
    product = await listed_product(client, supplier, admin)
    ghost = str(uuid.uuid4())
    fake.state.indexes["products"] = {"docs": {ghost: {"id": ghost, "version": 1}}, "settings": {}}
    meili = MeilisearchEngine(fake.url, "k", timeout=2)
    figures = await reindex(sessionmaker, meili, "products")
    live = fake.state.indexes["products"]["docs"]
    assert product["id"] in live and ghost not in live
    assert figures["removed"] == 0  # nothing was deleted while copying
    assert not any(uid.startswith("products__reindex") for uid in fake.state.indexes)
    assert any(r.path == "/swap-indexes" for r in fake.state.requests)
