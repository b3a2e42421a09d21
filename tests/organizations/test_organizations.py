from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Organization
from tests.fixtures.factories import admin_account, register_account, vet


class TestReadOrganization:
    async def test_member_sees_everything(self, client: httpx.AsyncClient) -> None:
        account = await register_account(client, contact_phone="028-12345678")
        response = await client.get(f"/organizations/{account.organization_id}", headers=account.headers)
        assert response.status_code == 200
        body = response.json()
        assert body["contact_phone"] == "028-12345678"
        assert body["vetting"]["status"] == "pending"
        assert response.headers["etag"]

    async def test_pending_organization_is_invisible_to_others(self, client: httpx.AsyncClient) -> None:
        account = await register_account(client)
        other = await register_account(client)
        assert (await client.get(f"/organizations/{account.organization_id}")).status_code == 404
        assert (
            await client.get(f"/organizations/{account.organization_id}", headers=other.headers)
        ).status_code == 404

    async def test_vetted_organization_has_a_public_profile(
        self, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        admin = await admin_account(client, db)
        account = await register_account(client, "supplier", contact_phone="028-12345678")
        await vet(client, admin, account.organization_id)
        response = await client.get(f"/organizations/{account.organization_id}")
        assert response.status_code == 200
        body = response.json()
        assert body["vetting_status"] == "vetted"
        assert body["contact_phone"] is None and body["vetting"] is None

    async def test_unknown_and_malformed_ids(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/organizations/00000000-0000-0000-0000-000000000000")).status_code == 404
        response = await client.get("/organizations/42")
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["path", "organization_id"]


class TestUpdateOrganization:
    async def test_member_edits_profile(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        account = await register_account(client)
        response = await client.patch(
            f"/organizations/{account.organization_id}",
            headers=account.headers,
            json={"description": "白酒酿造企业", "region_code": "511500"},
        )
        assert response.status_code == 200
        stored = await db.scalar(select(Organization).where(Organization.id == account.organization_id))
        assert stored is not None and stored.region_code == "511500" and stored.description == "白酒酿造企业"

    async def test_vetting_fields_are_not_writable(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        account = await register_account(client)
        for field, value in (
            ("vetting_status", "vetted"),
            ("kind", "admin"),
            # (the USCC may change, through review: tests/organizations/test_identity.py)
            ("vetted_by_id", account.user_id),
        ):
            response = await client.patch(
                f"/organizations/{account.organization_id}", headers=account.headers, json={field: value}
            )
            assert response.status_code == 422
            assert response.json()["errors"][0]["loc"] == ["body", field]
        stored = await db.scalar(select(Organization).where(Organization.id == account.organization_id))
        assert stored is not None and stored.vetting_status == "pending" and stored.kind == "enterprise"

    async def test_outsider_cannot_edit(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        admin = await admin_account(client, db)
        account = await register_account(client)
        other = await register_account(client)
        url = f"/organizations/{account.organization_id}"
        # Not visible yet: the outsider cannot even learn it exists.
        assert (await client.patch(url, headers=other.headers, json={"name": "抢注"})).status_code == 404
        await vet(client, admin, account.organization_id)
        assert (await client.patch(url, headers=other.headers, json={"name": "抢注"})).status_code == 403
        assert (await client.patch(url, json={"name": "抢注"})).status_code == 401

    async def test_stale_if_match_is_412(self, client: httpx.AsyncClient) -> None:
        account = await register_account(client)
        url = f"/organizations/{account.organization_id}"
        etag = (await client.get(url, headers=account.headers)).headers["etag"]
        first = await client.patch(
            url, headers={**account.headers, "If-Match": etag}, json={"description": "一"}
        )
        assert first.status_code == 200 and first.headers["etag"] != etag
        stale = await client.patch(
            url, headers={**account.headers, "If-Match": etag}, json={"description": "二"}
        )
        assert stale.status_code == 412
        assert (await client.get(url, headers=account.headers)).json()["description"] == "一"

    async def test_bad_codes_are_422_and_change_nothing(self, client: httpx.AsyncClient) -> None:
        account = await register_account(client)
        url = f"/organizations/{account.organization_id}"
        response = await client.patch(
            url, headers=account.headers, json={"description": "改了", "industry_code": "C0000"}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "industry_code"]
        assert (await client.get(url, headers=account.headers)).json()["description"] == ""

    async def test_rejected_organization_that_edits_returns_to_the_queue(
        self, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        admin = await admin_account(client, db)
        account = await register_account(client)
        await client.post(
            f"/admin/organizations/{account.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "reject", "note": "营业执照不清晰"},
        )
        response = await client.patch(
            f"/organizations/{account.organization_id}",
            headers=account.headers,
            json={"description": "已补充材料"},
        )
        assert response.json()["vetting_status"] == "pending"
        queue = (
            await client.get("/admin/vetting-queue", headers=admin.headers, params={"limit": 100})
        ).json()
        assert account.organization_id in [i["id"] for i in queue["items"]]
