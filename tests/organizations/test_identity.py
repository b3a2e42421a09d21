"""Who an organization is: a pending registration does not hold a 统一社会信用代码 forever, and a vetted
organization's change of name or USCC goes back to review (the vetted identity stands until approved)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.models import Organization
from app.models.base import utcnow
from tests.fixtures.factories import Account, make_uscc, register_account, registration


async def _etag(client: httpx.AsyncClient, account: Account) -> str:
    response = await client.get(f"/organizations/{account.organization_id}", headers=account.headers)
    return response.headers["etag"]


class TestUsccHold:
    async def test_a_stale_pending_registration_gives_up_its_code(
        self, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
    ) -> None:
        squatter = await register_account(client)
        uscc = (await client.get("/me", headers=squatter.headers)).json()["organization"]["uscc"]
        real = registration(uscc=uscc)
        # Within the hold: the code is taken.
        assert (await client.post("/auth/register", json=real)).status_code == 409
        await db.execute(
            update(Organization)
            .where(Organization.id == uuid.UUID(squatter.organization_id))
            .values(created_at=utcnow() - timedelta(days=settings.pending_uscc_hold_days, hours=1))
        )
        taken_over = await client.post("/auth/register", json=real)
        assert taken_over.status_code == 201, taken_over.text
        assert taken_over.json()["organization"]["uscc"] == uscc
        # The squatter is rejected by the system, told why, and its history says so.
        me = (await client.get("/me", headers=squatter.headers)).json()["organization"]
        assert me["vetting_status"] == "rejected" and "统一社会信用代码" in me["vetting"]["note"]
        history = (
            await client.get(
                f"/organizations/{squatter.organization_id}/vetting-decisions", headers=squatter.headers
            )
        ).json()["items"]
        assert [(d["decision"], d["decided_by"]) for d in history] == [("reject", None)]
        kinds = [
            n["kind"] for n in (await client.get("/notifications", headers=squatter.headers)).json()["items"]
        ]
        assert kinds == ["vetting_decision"]

    async def test_a_vetted_holder_keeps_its_code_however_old(
        self, client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, settings: Settings
    ) -> None:
        uscc = (await client.get("/me", headers=enterprise.headers)).json()["organization"]["uscc"]
        await db.execute(
            update(Organization)
            .where(Organization.id == uuid.UUID(enterprise.organization_id))
            .values(created_at=utcnow() - timedelta(days=10 * settings.pending_uscc_hold_days))
        )
        assert (await client.post("/auth/register", json=registration(uscc=uscc))).status_code == 409


class TestIdentityChangeReview:
    async def test_a_vetted_name_change_waits_for_an_admin(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account
    ) -> None:
        before = (await client.get(f"/organizations/{enterprise.organization_id}")).json()
        response = await client.patch(
            f"/organizations/{enterprise.organization_id}",
            headers={**enterprise.headers, "If-Match": await _etag(client, enterprise)},
            json={"name": "改名后的机构有限公司", "description": "新的简介"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        # The description changes at once; the name waits, and the organization stays vetted meanwhile.
        assert body["description"] == "新的简介"
        assert body["name"] == before["name"] and body["vetting_status"] == "vetted"
        assert body["pending_change"]["name"] == "改名后的机构有限公司"
        public = (await client.get(f"/organizations/{enterprise.organization_id}")).json()
        assert public["name"] == before["name"] and public["pending_change"] is None
        queue = (await client.get("/admin/vetting-queue?type=organization", headers=admin.headers)).json()
        (item,) = [i for i in queue["items"] if i["id"] == enterprise.organization_id]
        assert item["pending_change"]["name"] == "改名后的机构有限公司"
        approved = await client.post(
            f"/admin/organizations/{enterprise.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "approve", "note": "营业执照已更名"},
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["name"] == "改名后的机构有限公司" and approved.json()["pending_change"] is None
        public = (await client.get(f"/organizations/{enterprise.organization_id}")).json()
        assert public["name"] == "改名后的机构有限公司" and public["vetting_status"] == "vetted"
        queue = (await client.get("/admin/vetting-queue?type=organization", headers=admin.headers)).json()
        assert enterprise.organization_id not in [i["id"] for i in queue["items"]]

    async def test_a_rejected_uscc_change_leaves_the_vetted_code(
        self, client: httpx.AsyncClient, db: AsyncSession, admin: Account, enterprise: Account
    ) -> None:
        old = (await client.get("/me", headers=enterprise.headers)).json()["organization"]["uscc"]
        new = make_uscc()
        response = await client.patch(
            f"/organizations/{enterprise.organization_id}", headers=enterprise.headers, json={"uscc": new}
        )
        assert response.status_code == 200 and response.json()["pending_change"]["uscc"] == new
        assert response.json()["uscc"] == old
        rejected = await client.post(
            f"/admin/organizations/{enterprise.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "reject", "note": "代码与营业执照不符"},
        )
        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["uscc"] == old and rejected.json()["vetting_status"] == "vetted"
        assert rejected.json()["pending_change"] is None
        stored = await db.scalar(
            select(Organization.uscc)
            .where(Organization.id == uuid.UUID(enterprise.organization_id))
            .execution_options(populate_existing=True)
        )
        assert stored == old

    async def test_a_uscc_change_to_a_code_held_elsewhere_is_409(
        self, client: httpx.AsyncClient, enterprise: Account, supplier: Account
    ) -> None:
        other = (await client.get("/me", headers=supplier.headers)).json()["organization"]["uscc"]
        response = await client.patch(
            f"/organizations/{enterprise.organization_id}", headers=enterprise.headers, json={"uscc": other}
        )
        assert response.status_code == 409
        assert response.json()["errors"][0]["loc"] == ["body", "uscc"]
        invalid = await client.patch(
            f"/organizations/{enterprise.organization_id}", headers=enterprise.headers, json={"uscc": "12345"}
        )
        assert invalid.status_code == 422 and invalid.json()["errors"][0]["loc"] == ["body", "uscc"]

    async def test_a_pending_organization_corrects_its_name_directly(self, client: httpx.AsyncClient) -> None:
        pending = await register_account(client)
        response = await client.patch(
            f"/organizations/{pending.organization_id}",
            headers=pending.headers,
            json={"name": "更正后的名称"},
        )
        assert response.status_code == 200
        assert response.json()["name"] == "更正后的名称" and response.json()["pending_change"] is None
