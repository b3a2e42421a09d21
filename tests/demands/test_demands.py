from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Demand
from tests.fixtures.factories import (
    Account,
    create_demand,
    demand_payload,
    published_demand,
    register_account,
)


async def _demand_count(db: AsyncSession) -> int:
    return (await db.execute(select(func.count()).select_from(Demand))).scalar_one()


class TestCreateDemand:
    async def test_creates_a_draft_with_every_field(
        self, client: httpx.AsyncClient, enterprise: Account, db: AsyncSession
    ) -> None:
        response = await client.post("/demands", json=demand_payload(), headers=enterprise.headers)
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "draft"
        assert body["needs"]["financing"] == {"amount_cny": 5_000_000, "term_months": 36}
        assert body["old_equipment"] == {"age_years": 12, "energy_grade": 3, "below_energy_baseline": False}
        assert body["organization"]["id"] == enterprise.organization_id
        stored = await db.get(Demand, body["id"])
        assert stored is not None and stored.budget_max_cny == 12_000_000 and stored.share_with_banks

    async def test_a_pending_enterprise_may_draft(self, client: httpx.AsyncClient) -> None:
        pending = await register_account(client, "enterprise")
        assert (
            await client.post("/demands", json=demand_payload(), headers=pending.headers)
        ).status_code == 201

    @pytest.mark.parametrize("kind", ["supplier", "provider", "bank"])
    async def test_other_kinds_cannot_post_demands(self, client: httpx.AsyncClient, kind: str) -> None:
        account = await register_account(client, kind)
        assert (
            await client.post("/demands", json=demand_payload(), headers=account.headers)
        ).status_code == 403

    @pytest.mark.parametrize(
        ("over", "loc"),
        [
            ({"task_type": "wishful"}, ["body", "task_type"]),
            ({"industry_code": "C9999"}, ["body", "industry_code"]),
            ({"region_code": "110100"}, ["body", "region_code"]),
            ({"category_codes": ["photovoltaic.pecvd", "no.such.thing"]}, ["body", "category_codes", 1]),
            ({"category_codes": []}, ["body", "category_codes"]),
            ({"category_codes": ["photovoltaic.pecvd", "photovoltaic.pecvd"]}, ["body", "category_codes"]),
            ({"budget_min_cny": 5_000_000, "budget_max_cny": 1_000_000}, ["body"]),
            ({"budget_min_cny": -1}, ["body", "budget_min_cny"]),
            ({"title": "设" * 201}, ["body", "title"]),
            ({"description": "设" * 5001}, ["body", "description"]),
            ({"quantity": 0}, ["body", "quantity"]),
            ({"required_energy_grade": 4}, ["body", "required_energy_grade"]),
            ({"old_equipment": {"age_years": -3}}, ["body", "old_equipment", "age_years"]),
            ({"expected_start": "2020-01-01"}, ["body", "expected_start"]),
            ({"expected_start": "soon"}, ["body", "expected_start"]),
            ({"needs": {"equipment": False}}, ["body", "needs"]),
            (
                {"needs": {"equipment": True, "financing": {"amount_cny": 99_000_000, "term_months": 12}}},
                ["body", "needs", "financing", "amount_cny"],
            ),
            ({"status": "published"}, ["body", "status"]),
            ({"contracted_amount_cny": 1}, ["body", "contracted_amount_cny"]),
        ],
    )
    async def test_bad_input_is_a_precise_422_and_writes_nothing(
        self,
        client: httpx.AsyncClient,
        enterprise: Account,
        db: AsyncSession,
        over: dict[str, Any],
        loc: list[Any],
    ) -> None:
        before = await _demand_count(db)
        response = await client.post("/demands", json=demand_payload(**over), headers=enterprise.headers)
        assert response.status_code == 422, response.text
        assert loc in [e["loc"] for e in response.json()["errors"]]
        assert await _demand_count(db) == before


class TestPublishAndLifecycle:
    async def test_a_vetted_enterprise_publishes(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await published_demand(client, enterprise)
        assert demand["status"] == "published" and demand["published_at"]

    async def test_an_unvetted_enterprise_cannot_publish(
        self, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        pending = await register_account(client, "enterprise")
        demand = await create_demand(client, pending)
        response = await client.post(f"/demands/{demand['id']}/publish", headers=pending.headers)
        assert response.status_code == 403
        assert (await db.get(Demand, demand["id"])).status == "draft"  # type: ignore[union-attr]

    async def test_transitions_that_are_not_allowed_are_409(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await published_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        assert (await client.post(f"{url}/publish", headers=enterprise.headers)).status_code == 409
        assert (await client.post(f"{url}/complete", headers=enterprise.headers)).status_code == 409
        closed = await client.post(f"{url}/close", headers=enterprise.headers)
        assert closed.json()["status"] == "closed"
        assert (await client.post(f"{url}/publish", headers=enterprise.headers)).status_code == 409
        assert (await client.patch(url, headers=enterprise.headers, json={"title": "改"})).status_code == 409

    async def test_an_admin_may_close_but_not_publish(
        self, client: httpx.AsyncClient, enterprise: Account, admin: Account
    ) -> None:
        demand = await create_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        assert (await client.post(f"{url}/publish", headers=admin.headers)).status_code == 403
        assert (await client.post(f"{url}/close", headers=admin.headers)).json()["status"] == "closed"


class TestReadDemands:
    async def test_drafts_are_private(
        self, client: httpx.AsyncClient, enterprise: Account, admin: Account
    ) -> None:
        demand = await create_demand(client, enterprise)
        other = await register_account(client, "enterprise")
        url = f"/demands/{demand['id']}"
        assert (await client.get(url)).status_code == 404
        assert (await client.get(url, headers=other.headers)).status_code == 404
        assert (await client.get(url, headers=enterprise.headers)).status_code == 200
        assert (await client.get(url, headers=admin.headers)).status_code == 200

    async def test_public_view_hides_financing_and_contract_facts(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await published_demand(client, enterprise)
        public = (await client.get(f"/demands/{demand['id']}")).json()
        assert public["needs"]["financing"] is None
        assert public["share_with_banks"] is None and public["contracted_amount_cny"] is None
        assert public["needs"]["equipment"] is True and public["budget_max_cny"] == 12_000_000
        mine = (await client.get(f"/demands/{demand['id']}", headers=enterprise.headers)).json()
        assert mine["needs"]["financing"]["amount_cny"] == 5_000_000

    async def test_list_shows_published_only_with_filters(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        pv = await published_demand(client, enterprise, region_code="510900")
        robot = await published_demand(
            client,
            enterprise,
            task_type="smart_digital",
            region_code="510900",
            category_codes=["smart.industrial_robot"],
            industry_code="C3612",
        )
        draft = await create_demand(client, enterprise, region_code="510900")
        listed = (await client.get("/demands", params={"region_code": "510900", "limit": 100})).json()
        ids = [d["id"] for d in listed["items"]]
        assert pv["id"] in ids and robot["id"] in ids and draft["id"] not in ids
        assert ids.index(robot["id"]) < ids.index(pv["id"])  # newest first
        by_task = (
            await client.get("/demands", params={"region_code": "510900", "task_type": "smart_digital"})
        ).json()
        assert [d["id"] for d in by_task["items"]] == [robot["id"]]
        # A parent category finds demands for anything under it.
        by_parent = (
            await client.get("/demands", params={"region_code": "510900", "category_code": "smart"})
        ).json()
        assert [d["id"] for d in by_parent["items"]] == [robot["id"]]

    async def test_unknown_filter_values_are_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/demands", params={"category_code": "no.such"})).status_code == 422
        assert (await client.get("/demands", params={"task_type": "nope"})).status_code == 422
        assert (await client.get("/demands", params={"limit": 101})).status_code == 422

    async def test_pages_are_stable_under_inserts(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        region = "511900"
        made = [await published_demand(client, enterprise, region_code=region) for _ in range(3)]
        first = (await client.get("/demands", params={"region_code": region, "limit": 2})).json()
        await published_demand(client, enterprise, region_code=region)  # arrives between pages
        second = (
            await client.get(
                "/demands", params={"region_code": region, "limit": 2, "cursor": first["next_cursor"]}
            )
        ).json()
        seen = [d["id"] for d in first["items"] + second["items"]]
        assert seen == [d["id"] for d in reversed(made)]

    async def test_my_demands_lists_every_status(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        draft = await create_demand(client, enterprise)
        published = await published_demand(client, enterprise)
        mine = (await client.get("/me/demands", headers=enterprise.headers, params={"limit": 100})).json()
        ids = {d["id"] for d in mine["items"]}
        assert {draft["id"], published["id"]} <= ids
        drafts = (
            await client.get("/me/demands", headers=enterprise.headers, params={"status": "draft"})
        ).json()
        assert {d["status"] for d in drafts["items"]} == {"draft"}


class TestUpdateDemand:
    async def test_owner_edits_and_etag_moves(self, client: httpx.AsyncClient, enterprise: Account) -> None:
        demand = await create_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        etag = (await client.get(url, headers=enterprise.headers)).headers["etag"]
        response = await client.patch(
            url,
            headers={**enterprise.headers, "If-Match": etag},
            json={"quantity": 6, "budget_max_cny": 15_000_000},
        )
        assert response.status_code == 200
        assert response.json()["quantity"] == 6 and response.headers["etag"] != etag
        stale = await client.patch(
            url, headers={**enterprise.headers, "If-Match": etag}, json={"quantity": 7}
        )
        assert stale.status_code == 412

    async def test_edit_that_inverts_the_budget_is_refused_whole(
        self, client: httpx.AsyncClient, enterprise: Account, db: AsyncSession
    ) -> None:
        demand = await create_demand(client, enterprise)
        response = await client.patch(
            f"/demands/{demand['id']}",
            headers=enterprise.headers,
            json={"title": "新标题", "budget_min_cny": 20_000_000},
        )
        assert response.status_code == 422
        stored = await db.get(Demand, demand["id"])
        await db.refresh(stored)
        assert stored is not None and stored.title == demand["title"] and stored.budget_min_cny == 8_000_000

    async def test_null_for_a_required_field_is_422(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await create_demand(client, enterprise)
        response = await client.patch(
            f"/demands/{demand['id']}", headers=enterprise.headers, json={"title": None}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "title"]

    async def test_expected_start_today_is_fine(self, client: httpx.AsyncClient, enterprise: Account) -> None:
        today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
        await create_demand(client, enterprise, expected_start=today)
