from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import VettingDecision
from tests.fixtures.factories import admin_account, register_account


class TestVettingQueue:
    async def test_lists_pending_oldest_first_and_pages(
        self, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        admin = await admin_account(client, db)
        ids = [(await register_account(client)).organization_id for _ in range(3)]
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/admin/vetting-queue", headers=admin.headers, params=params)).json()
            seen += [i["id"] for i in page["items"]]
            assert all(i["type"] == "organization" for i in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        positions = [seen.index(i) for i in ids]
        assert positions == sorted(positions)

    @pytest.mark.parametrize("kind", ["enterprise", "supplier", "provider", "bank"])
    async def test_other_roles_are_refused(self, client: httpx.AsyncClient, kind: str) -> None:
        account = await register_account(client, kind)
        assert (await client.get("/admin/vetting-queue", headers=account.headers)).status_code == 403
        decide = await client.post(
            f"/admin/organizations/{account.organization_id}/vetting",
            headers=account.headers,
            json={"decision": "approve", "note": ""},
        )
        assert decide.status_code == 403

    async def test_anonymous_is_401(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/admin/vetting-queue")).status_code == 401


class TestVettingDecision:
    async def test_approve_records_who_and_shows_it_to_the_organization(
        self, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        admin = await admin_account(client, db)
        account = await register_account(client)
        response = await client.post(
            f"/admin/organizations/{account.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "approve", "note": "资料齐全"},
        )
        assert response.status_code == 200
        assert response.json()["vetting_status"] == "vetted"
        mine = (await client.get(f"/organizations/{account.organization_id}", headers=account.headers)).json()
        assert mine["vetting"]["note"] == "资料齐全"
        assert mine["vetting"]["decided_by"]["id"] == admin.user_id
        history = (
            await client.get(
                f"/organizations/{account.organization_id}/vetting-decisions", headers=account.headers
            )
        ).json()
        assert [(d["decision"], d["from_status"], d["to_status"]) for d in history["items"]] == [
            ("approve", "pending", "vetted")
        ]
        stored = await db.scalar(
            select(VettingDecision).where(VettingDecision.organization_id == account.organization_id)
        )
        assert stored is not None and str(stored.decided_by_id) == admin.user_id

    async def test_reject_needs_a_note(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        admin = await admin_account(client, db)
        account = await register_account(client)
        response = await client.post(
            f"/admin/organizations/{account.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "reject", "note": " "},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "note"]

    async def test_disallowed_transition_is_409(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        admin = await admin_account(client, db)
        account = await register_account(client)
        url = f"/admin/organizations/{account.organization_id}/vetting"
        assert (
            await client.post(url, headers=admin.headers, json={"decision": "approve"})
        ).status_code == 200
        again = await client.post(url, headers=admin.headers, json={"decision": "reject", "note": "晚了"})
        assert again.status_code == 409
        suspended = await client.post(
            url, headers=admin.headers, json={"decision": "suspend", "note": "违规"}
        )
        assert suspended.json()["vetting_status"] == "suspended"

    async def test_unknown_decision_and_organization(
        self, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        admin = await admin_account(client, db)
        account = await register_account(client)
        bad = await client.post(
            f"/admin/organizations/{account.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "maybe"},
        )
        assert bad.status_code == 422
        missing = await client.post(
            "/admin/organizations/00000000-0000-0000-0000-000000000000/vetting",
            headers=admin.headers,
            json={"decision": "approve"},
        )
        assert missing.status_code == 404

    async def test_history_is_private(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        admin = await admin_account(client, db)
        account = await register_account(client)
        other = await register_account(client)
        await client.post(
            f"/admin/organizations/{account.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "approve"},
        )
        response = await client.get(
            f"/organizations/{account.organization_id}/vetting-decisions", headers=other.headers
        )
        assert response.status_code == 403
