"""Lead subscriptions, leads exactly once, the status flow, consent-gated contacts, the pull feed,
saved searches and notifications, through the API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Lead, WebhookDelivery
from tests.fixtures.factories import (
    Account,
    create_demand,
    financing_payload,
    published_demand,
    register_account,
    vetted_account,
)

PUBLIC_HOOK = "https://93.184.216.34/hooks/leads"  # a public address literal: no DNS needed


async def subscribe(client: httpx.AsyncClient, bank: Account, **over: Any) -> dict[str, Any]:
    response = await client.post(
        "/lead-subscriptions", headers=bank.headers, json={"name": "技改线索", **over}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def leads_of(client: httpx.AsyncClient, bank: Account) -> list[dict[str, Any]]:
    body = (await client.get("/leads", params={"limit": 100}, headers=bank.headers)).json()
    items: list[dict[str, Any]] = body["items"]
    return items


class TestSubscriptions:
    async def test_the_secret_is_shown_once_and_rotates(
        self, client: httpx.AsyncClient, bank: Account
    ) -> None:
        sub = await subscribe(client, bank, webhook_url=PUBLIC_HOOK, region_codes=["511100"])
        assert sub["webhook_secret"].startswith("whsec_") and sub["webhook_status"] == "active"
        again = (await client.get(f"/lead-subscriptions/{sub['id']}", headers=bank.headers)).json()
        assert again.get("webhook_secret") is None
        listed = (await client.get("/lead-subscriptions", headers=bank.headers)).json()["items"]
        assert all(s.get("webhook_secret") is None for s in listed)
        rotated = await client.post(f"/lead-subscriptions/{sub['id']}/rotate-secret", headers=bank.headers)
        assert rotated.status_code == 200
        assert rotated.json()["webhook_secret"].startswith("whsec_")
        assert rotated.json()["webhook_secret"] != sub["webhook_secret"]

    @pytest.mark.parametrize(
        ("url", "why"),
        [
            ("http://93.184.216.34/hook", "https"),
            ("https://10.1.2.3/hook", "private"),
            ("https://127.0.0.1:8443/hook", "loopback"),
            ("https://169.254.169.254/latest/meta-data", "metadata"),
            ("https://[::1]/hook", "loopback"),
            ("https://[::ffff:192.168.1.1]/hook", "private"),
            ("ftp://93.184.216.34/hook", "https"),
            ("https://user:pw@93.184.216.34/hook", "credentials"),
            ("https://no-such-host.invalid/hook", "resolve"),
        ],
    )
    async def test_unsafe_webhook_urls_are_refused(
        self, client: httpx.AsyncClient, bank: Account, url: str, why: str
    ) -> None:
        response = await client.post(
            "/lead-subscriptions",
            headers={**bank.headers, "Accept-Language": "en"},  # the English wording is pinned here
            json={"name": "x", "webhook_url": url},
        )
        assert response.status_code == 422, response.text
        error = response.json()["errors"][0]
        assert error["loc"] == ["body", "webhook_url"]
        assert why in error["msg"] or (why == "loopback" and "private, loopback" in error["msg"])
        chinese = await client.post(
            "/lead-subscriptions", headers=bank.headers, json={"name": "x", "webhook_url": url}
        )
        assert chinese.status_code == 422 and chinese.json()["errors"][0]["msg"] != error["msg"]

    async def test_allowed_hosts_may_use_http_and_private_addresses(
        self, app: FastAPI, client: httpx.AsyncClient, bank: Account
    ) -> None:
        app.state.settings.webhook_allow_hosts = ["127.0.0.1"]
        sub = await subscribe(client, bank, webhook_url="http://127.0.0.1:9/hook")
        assert sub["webhook_url"] == "http://127.0.0.1:9/hook"

    async def test_bad_criteria_and_who_may_subscribe(
        self, client: httpx.AsyncClient, admin: Account, bank: Account, supplier: Account
    ) -> None:
        inverted = await client.post(
            "/lead-subscriptions",
            headers=bank.headers,
            json={"name": "x", "amount_min_cny": 5_000_000, "amount_max_cny": 1_000_000},
        )
        assert inverted.status_code == 422
        unknown = await client.post(
            "/lead-subscriptions",
            headers=bank.headers,
            json={"name": "x", "region_codes": ["510100", "999999"]},
        )
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == [
            "body",
            "region_codes",
            1,
        ]
        assert (
            await client.post("/lead-subscriptions", headers=supplier.headers, json={"name": "x"})
        ).status_code == 403
        pending_bank = await register_account(client, "bank")
        assert (
            await client.post("/lead-subscriptions", headers=pending_bank.headers, json={"name": "x"})
        ).status_code == 403
        sub = await subscribe(client, bank)
        assert (
            await client.delete(f"/lead-subscriptions/{sub['id']}", headers=bank.headers)
        ).status_code == 204
        assert (await client.get(f"/lead-subscriptions/{sub['id']}", headers=bank.headers)).status_code == 404


class TestLeads:
    async def test_one_lead_per_matching_subscription_exactly_once(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, bank: Account, db: AsyncSession
    ) -> None:
        other_bank = await vetted_account(client, admin, "bank")
        wide = await subscribe(client, bank, webhook_url=PUBLIC_HOOK)
        narrow = await subscribe(client, bank, region_codes=["510100"])  # demands here are in 乐山 511100
        sized = await subscribe(
            client,
            other_bank,
            amount_min_cny=1_000_000,
            amount_max_cny=8_000_000,
            industry_codes=["C38"],
            task_types=["line_upgrade"],
        )
        too_big = await subscribe(client, other_bank, amount_min_cny=20_000_000)
        demand = await published_demand(client, enterprise)  # 5,000,000 / 36 months, C3825, shared
        mine = await leads_of(client, bank)
        theirs = await leads_of(client, other_bank)
        assert [lead["subscription_id"] for lead in mine] == [wide["id"]]
        assert [lead["subscription_id"] for lead in theirs] == [sized["id"]]
        assert narrow["id"] not in {lead["subscription_id"] for lead in mine}
        assert too_big["id"] not in {lead["subscription_id"] for lead in theirs}
        # Editing the published demand re-offers it: nothing twice.
        response = await client.patch(
            f"/demands/{demand['id']}", headers=enterprise.headers, json={"title": "单晶炉更新（二期）"}
        )
        assert response.status_code == 200
        count = await db.scalar(
            select(func.count()).select_from(Lead).where(Lead.demand_id == uuid.UUID(demand["id"]))
        )
        assert count == 2
        # Only the subscription with an endpoint gets a webhook event.
        deliveries = (await db.scalars(select(WebhookDelivery))).all()
        assert [d.subscription_id for d in deliveries if d.lead_id == uuid.UUID(mine[0]["id"])] == [
            uuid.UUID(wide["id"])
        ]
        # Edited into a subscription's criteria later: the lead comes then, once.
        response = await client.patch(
            f"/demands/{demand['id']}", headers=enterprise.headers, json={"region_code": "510100"}
        )
        assert response.status_code == 200, response.text
        assert {lead["subscription_id"] for lead in await leads_of(client, bank)} == {
            wide["id"],
            narrow["id"],
        }

    async def test_no_consent_no_lead(
        self, client: httpx.AsyncClient, enterprise: Account, bank: Account
    ) -> None:
        await subscribe(client, bank)
        await published_demand(client, enterprise, share_with_banks=False)
        await published_demand(
            client, enterprise, needs={"equipment": True, "design": False, "engineering": False}
        )
        await create_demand(client, enterprise)  # a draft
        assert await leads_of(client, bank) == []

    async def test_what_the_bank_sees_and_when_contacts_are_released(
        self, client: httpx.AsyncClient, enterprise: Account, bank: Account, supplier: Account
    ) -> None:
        await client.patch(
            f"/organizations/{enterprise.organization_id}",
            headers=enterprise.headers,
            json={"contact_name": "李经理", "contact_phone": "028-12345678"},
        )
        fits = await client.post("/financing-products", headers=bank.headers, json=financing_payload())
        too_small = await client.post(
            "/financing-products",
            headers=bank.headers,
            json=financing_payload(name="小额", amount_max_cny=2_000_000),
        )
        await subscribe(client, bank)
        demand = await published_demand(client, enterprise)
        (lead,) = await leads_of(client, bank)
        assert lead["status"] == "new" and lead["contact"] is None and lead["contact_released"] is False
        assert lead["demand"]["financing"] == {"amount_cny": 5_000_000, "term_months": 36}
        assert lead["demand"]["enterprise"]["id"] == enterprise.organization_id
        fitting = [p["id"] for p in lead["fitting_financing_products"]]
        assert fits.json()["id"] in fitting and too_small.json()["id"] not in fitting

        # The enterprise sees which banks are working its need, and consents.
        working = (await client.get(f"/demands/{demand['id']}/leads", headers=enterprise.headers)).json()
        assert [w["bank"]["id"] for w in working["items"]] == [bank.organization_id]
        accepted = await client.post(f"/leads/{lead['id']}/accept-interest", headers=enterprise.headers)
        assert accepted.status_code == 200 and accepted.json()["items"][0]["interest_accepted_at"]
        released = (await client.get(f"/leads/{lead['id']}", headers=bank.headers)).json()
        assert released["contact"]["name"] == "李经理" and released["contact"]["phone"] == "028-12345678"
        stranger = await register_account(client, "enterprise")
        assert (
            await client.post(f"/leads/{lead['id']}/accept-interest", headers=stranger.headers)
        ).status_code == 404
        kinds = [
            n["kind"] for n in (await client.get("/notifications", headers=bank.headers)).json()["items"]
        ]
        assert "lead_created" in kinds and "lead_contact_released" in kinds

    async def test_status_flow_with_timestamps(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, bank: Account
    ) -> None:
        await subscribe(client, bank)
        await published_demand(client, enterprise)
        (lead,) = await leads_of(client, bank)

        async def move(status: str, who: Account = bank) -> httpx.Response:
            return await client.patch(f"/leads/{lead['id']}", headers=who.headers, json={"status": status})

        viewed = await move("viewed")
        assert viewed.status_code == 200 and viewed.json()["viewed_at"]
        assert (await move("viewed")).status_code == 200  # repeating is harmless
        assert (await move("contacted")).json()["contacted_at"]
        approved = await move("approved")
        assert approved.json()["status"] == "approved" and approved.json()["approved_at"]
        late = await move("declined")
        assert late.status_code == 409 and "approved" in late.json()["detail"]
        bad = await move("lost")
        assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "status"]
        other = await vetted_account(client, admin, "bank")
        assert (await move("declined", other)).status_code == 404
        assert (await client.get(f"/leads/{lead['id']}", headers=other.headers)).status_code == 404
        assert await leads_of(client, other) == []
        inbox = (await client.get("/notifications", headers=enterprise.headers)).json()["items"]
        assert [n["data"]["status"] for n in inbox if n["kind"] == "lead_status_changed"] == [
            "approved",
            "contacted",
            "viewed",
        ]

    async def test_the_pull_feed_pages_oldest_first_and_is_stable(
        self, client: httpx.AsyncClient, enterprise: Account, bank: Account
    ) -> None:
        await subscribe(client, bank)
        made = [(await published_demand(client, enterprise, title=f"单晶炉更新{i}"))["id"] for i in range(5)]
        first = (await client.get("/leads", params={"limit": 2}, headers=bank.headers)).json()
        assert [lead["demand"]["id"] for lead in first["items"]] == made[:2]
        more = await published_demand(client, enterprise, title="单晶炉更新5")
        seen = [lead["demand"]["id"] for lead in first["items"]]
        cursor = first["next_cursor"]
        while cursor:
            page = (
                await client.get("/leads", params={"limit": 2, "cursor": cursor}, headers=bank.headers)
            ).json()
            seen += [lead["demand"]["id"] for lead in page["items"]]
            cursor = page["next_cursor"]
        assert seen == [*made, more["id"]]


class TestSavedSearchesAndNotifications:
    async def test_a_fitting_demand_notifies_once(
        self, client: httpx.AsyncClient, enterprise: Account, supplier: Account
    ) -> None:
        for name, q, filters in (
            ("单晶炉", "单晶炉", {"region_code": "511100"}),
            ("光伏", "", {"category_code": "photovoltaic"}),
            ("成都", "", {"region_code": "510100"}),
        ):
            response = await client.post(
                "/saved-searches", headers=supplier.headers, json={"name": name, "q": q, "filters": filters}
            )
            assert response.status_code == 201, response.text
        bad = await client.post(
            "/saved-searches",
            headers=supplier.headers,
            json={"name": "x", "filters": {"region_code": "999999"}},
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "filters", "region_code"]
        demand = await published_demand(client, enterprise)  # 单晶炉 in 乐山
        await published_demand(
            client,
            enterprise,
            title="卷绕机更新",
            category_codes=["battery.winding_machine"],
            region_code="510700",
        )
        inbox = (await client.get("/notifications", headers=supplier.headers)).json()["items"]
        hits = [n for n in inbox if n["kind"] == "saved_search_match"]
        assert [n["data"]["demand_id"] for n in hits] == [demand["id"]]
        listed = (await client.get("/saved-searches", headers=supplier.headers)).json()["items"]
        assert len(listed) == 3
        gone = await client.delete(f"/saved-searches/{listed[0]['id']}", headers=supplier.headers)
        assert gone.status_code == 204
        remaining = (await client.get("/saved-searches", headers=supplier.headers)).json()["items"]
        assert listed[0]["id"] not in [r["id"] for r in remaining] and len(remaining) == 2
        again = await client.delete(f"/saved-searches/{listed[0]['id']}", headers=supplier.headers)
        assert again.status_code == 404

    async def test_each_filter_is_honoured_and_a_suspended_organization_hears_nothing(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
    ) -> None:
        other = await vetted_account(client, admin, "supplier")
        searches = {
            "行业前缀": {"industry_code": "C38"},
            "行业不符": {"industry_code": "C34"},
            "任务不符": {"task_type": "safety"},
            "预算够": {"budget_min_cny": 12_000_000},
            "预算不够": {"budget_min_cny": 12_000_001},
        }
        for name, filters in searches.items():
            response = await client.post(
                "/saved-searches", headers=supplier.headers, json={"name": name, "filters": filters}
            )
            assert response.status_code == 201, response.text
        for who in (supplier, other):
            await client.post("/saved-searches", headers=who.headers, json={"name": "乐山", "q": "单晶炉"})
        suspended = await client.post(
            f"/admin/organizations/{other.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "suspend", "note": "资质到期"},
        )
        assert suspended.status_code == 200, suspended.text
        demand = await published_demand(client, enterprise)  # C3825, line_upgrade, budget up to 1,200万

        inbox = (await client.get("/notifications", headers=supplier.headers)).json()["items"]
        (hit,) = [n for n in inbox if n["kind"] == "saved_search_match"]  # once, however many fit
        listed = (await client.get("/saved-searches", headers=supplier.headers)).json()["items"]
        first_fitting = min(
            (s for s in listed if s["name"] in ("行业前缀", "预算够", "乐山")), key=lambda s: s["created_at"]
        )
        assert hit["data"] == {"demand_id": demand["id"], "saved_search_id": first_fitting["id"]}
        others = (await client.get("/notifications", headers=other.headers)).json()["items"]
        assert not [n for n in others if n["kind"] == "saved_search_match"]

        # Only the searches that miss: nothing.
        for s in listed:
            if s["name"] in ("行业前缀", "预算够", "乐山"):
                await client.delete(f"/saved-searches/{s['id']}", headers=supplier.headers)
        await published_demand(client, enterprise, title="单晶炉再更新")
        inbox = (await client.get("/notifications", headers=supplier.headers)).json()["items"]
        assert len([n for n in inbox if n["kind"] == "saved_search_match"]) == 1

    async def test_quote_and_vetting_notifications_and_unread_counts(
        self, client: httpx.AsyncClient, enterprise: Account, supplier: Account
    ) -> None:
        demand = await published_demand(client, enterprise)
        before = (await client.get("/notifications/unread-count", headers=enterprise.headers)).json()["count"]
        quote = await client.post(
            f"/demands/{demand['id']}/quotes",
            headers=supplier.headers,
            json={"price_cny": 9_000_000, "delivery_days": 60, "message": "含安装调试"},
        )
        assert quote.status_code == 201
        after = (await client.get("/notifications/unread-count", headers=enterprise.headers)).json()["count"]
        assert after == before + 1
        received = (await client.get("/notifications", headers=enterprise.headers)).json()["items"][0]
        assert received["kind"] == "quote_received" and received["data"]["quote_id"] == quote.json()["id"]
        await client.post(f"/notifications/{received['id']}/read", headers=enterprise.headers)
        assert (await client.get("/notifications/unread-count", headers=enterprise.headers)).json()[
            "count"
        ] == before
        await client.post(f"/quotes/{quote.json()['id']}/accept", headers=enterprise.headers)
        kinds = [
            n["kind"] for n in (await client.get("/notifications", headers=supplier.headers)).json()["items"]
        ]
        assert "quote_accepted" in kinds and "vetting_decision" in kinds


async def test_the_feed_waits_for_leads_to_settle_and_drops_withdrawn_consent(
    app: FastAPI, client: httpx.AsyncClient, enterprise: Account, bank: Account
) -> None:
    await subscribe(client, bank)
    demand = await published_demand(client, enterprise)
    app.state.settings.leads_feed_settle_seconds = 60
    assert await leads_of(client, bank) == []  # too fresh: a lead committed later could still land before it
    app.state.settings.leads_feed_settle_seconds = 0
    (lead,) = await leads_of(client, bank)
    withdrawn = await client.patch(
        f"/demands/{demand['id']}", headers=enterprise.headers, json={"share_with_banks": False}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert await leads_of(client, bank) == []
    assert (await client.get(f"/leads/{lead['id']}", headers=bank.headers)).status_code == 404
    refused = await client.post(f"/leads/{lead['id']}/accept-interest", headers=enterprise.headers)
    assert refused.status_code == 409


async def test_a_suspended_bank_cannot_work_its_leads(
    client: httpx.AsyncClient, admin: Account, enterprise: Account
) -> None:
    bank = await vetted_account(client, admin, "bank")
    await subscribe(client, bank)
    await published_demand(client, enterprise)
    (lead,) = await leads_of(client, bank)
    suspended = await client.post(
        f"/admin/organizations/{bank.organization_id}/vetting",
        headers=admin.headers,
        json={"decision": "suspend", "note": "资质到期"},
    )
    assert suspended.status_code == 200, suspended.text
    assert (await client.get("/leads", headers=bank.headers)).status_code == 403
    assert (await client.get(f"/leads/{lead['id']}", headers=bank.headers)).status_code == 403
