"""The service network: government offices, operators with a level and region who see and act only
inside it, the enterprise profile they confirm, 试点县, and the audit log of what admins and operators do."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, Invitation, Organization
from tests.fixtures.factories import (
    Account,
    gov_office,
    operator_account,
    register_account,
    team_member,
    vetted_account,
)

DEYANG, JINGYANG, GUANGHAN, YIBIN = "510600", "510603", "510681", "511500"
PROFILE = {
    "above_designated_size": True,
    "specialized_level": "provincial",
    "high_tech": True,
    "employees_band": "300_999",
    "output_band": "20m_400m",
    "main_products": ["光伏电池片", "组件"],
}


async def _audit_count(db: AsyncSession) -> int:
    db.expire_all()
    return int(await db.scalar(select(func.count()).select_from(AuditEvent)) or 0)


class TestOffices:
    async def test_an_admin_creates_an_office_and_invites_its_first_owner(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        response = await client.post(
            "/admin/organizations",
            json={
                "name": "德阳市经济和信息化局",
                "kind": "gov",
                "region_code": DEYANG,
                "owner_email": "Li@Example.com",
            },
            headers=admin.headers,
        )
        assert response.status_code == 201, response.text
        office = response.json()
        assert office["kind"] == "gov" and office["vetting_status"] == "vetted"
        assert office["region_code"] == DEYANG and office["uscc"] is None
        invitation = await db.scalar(
            select(Invitation).where(Invitation.organization_id == uuid.UUID(office["id"]))
        )
        assert invitation is not None and invitation.email == "li@example.com" and invitation.role == "owner"

    async def test_only_gov_offices_and_known_regions(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        bank = await client.post(
            "/admin/organizations",
            json={"name": "某行", "kind": "bank", "region_code": DEYANG},
            headers=admin.headers,
        )
        assert bank.status_code == 422 and bank.json()["errors"][0]["loc"] == ["body", "kind"]
        nowhere = await client.post(
            "/admin/organizations",
            json={"name": "某局", "kind": "gov", "region_code": "519999"},
            headers=admin.headers,
        )
        assert nowhere.status_code == 422 and nowhere.json()["errors"][0]["loc"] == ["body", "region_code"]

    async def test_only_admins_create_offices(self, client: httpx.AsyncClient, enterprise: Account) -> None:
        response = await client.post(
            "/admin/organizations",
            json={"name": "某局", "kind": "gov", "region_code": DEYANG},
            headers=enterprise.headers,
        )
        assert response.status_code == 403


class TestAssignment:
    async def test_the_level_must_match_the_region_and_lie_in_the_office(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        path = f"/admin/organizations/{officer.organization_id}/members/{officer.user_id}"
        for body, field in (
            ({"operator_level": "county", "region_code": DEYANG}, "region_code"),  # a 市州 is not a county
            ({"operator_level": "county", "region_code": "511502"}, "region_code"),  # 宜宾's, not 德阳's
            ({"operator_level": "county", "region_code": None}, "region_code"),
            ({"operator_level": None, "region_code": JINGYANG}, "operator_level"),
        ):
            response = await client.patch(path, json=body, headers=admin.headers)
            assert response.status_code == 422, body
            assert response.json()["errors"][0]["loc"] == ["body", field], body
        moved = await client.patch(
            path, json={"operator_level": "county", "region_code": JINGYANG}, headers=admin.headers
        )
        assert moved.status_code == 200
        assert moved.json()["operator_level"] == "county" and moved.json()["operator_region_code"] == JINGYANG

    async def test_only_members_of_a_gov_office(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account
    ) -> None:
        not_gov = await client.patch(
            f"/admin/organizations/{enterprise.organization_id}/members/{enterprise.user_id}",
            json={"operator_level": "city", "region_code": DEYANG},
            headers=admin.headers,
        )
        assert not_gov.status_code == 409
        office = await gov_office(client, admin, DEYANG)
        stranger = await client.patch(
            f"/admin/organizations/{office}/members/{enterprise.user_id}",
            json={"operator_level": "city", "region_code": DEYANG},
            headers=admin.headers,
        )
        assert stranger.status_code == 404


class TestScope:
    async def test_an_operator_sees_pending_enterprises_in_its_region_only(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        county = await operator_account(client, db, admin, region_code=JINGYANG, level="county")
        city = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        province = await operator_account(client, db, admin, region_code="510000", level="province")
        here = await register_account(client, region_code=JINGYANG)
        next_door = await register_account(client, region_code=GUANGHAN)
        yibin = await register_account(client, region_code=YIBIN)
        expected = {
            county.email: [(here, 200), (next_door, 404), (yibin, 404)],
            city.email: [(here, 200), (next_door, 200), (yibin, 404)],
            province.email: [(here, 200), (next_door, 200), (yibin, 200)],
        }
        for officer in (county, city, province):
            for company, status in expected[officer.email]:
                response = await client.get(
                    f"/organizations/{company.organization_id}", headers=officer.headers
                )
                assert response.status_code == status, (officer.email, company.email)
                if status == 200:
                    assert response.json()["vetting"] is not None  # operators see the private fields

    async def test_a_gov_member_without_a_level_is_no_operator(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        officer = await operator_account(client, db, admin, region_code=JINGYANG, level="county")
        company = await register_account(client, region_code=JINGYANG)
        revoked = await client.patch(
            f"/admin/organizations/{officer.organization_id}/members/{officer.user_id}",
            json={"operator_level": None, "region_code": None},
            headers=admin.headers,
        )
        assert revoked.status_code == 200 and revoked.json()["operator_level"] is None
        assert (
            await client.get(f"/organizations/{company.organization_id}", headers=officer.headers)
        ).status_code == 404
        confirm = await client.post(
            f"/organizations/{company.organization_id}/profile/confirm", headers=officer.headers
        )
        assert confirm.status_code == 403
        assert "服务专员" in confirm.json()["detail"]


class TestProfile:
    async def test_the_enterprise_fills_it_in_and_an_operator_confirms_it(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company = await vetted_account(client, admin, region_code=JINGYANG)
        officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        path = f"/organizations/{company.organization_id}/profile"
        early = await client.post(f"{path}/confirm", headers=officer.headers)
        assert early.status_code == 409  # nothing to confirm yet
        filled = await client.patch(path, json=PROFILE, headers=company.headers)
        assert filled.status_code == 200, filled.text
        assert filled.json() | {"updated_at": None} == PROFILE | {
            "updated_at": None,
            "confirmed_at": None,
            "confirmed_by": None,
        }
        confirmed = await client.post(f"{path}/confirm", headers=officer.headers)
        assert confirmed.status_code == 200
        assert confirmed.json()["confirmed_at"] is not None
        assert confirmed.json()["confirmed_by"]["id"] == officer.user_id
        seen = (await client.get(f"/organizations/{company.organization_id}", headers=company.headers)).json()
        assert seen["enterprise_profile"]["confirmed_by"]["id"] == officer.user_id
        public = (await client.get(f"/organizations/{company.organization_id}")).json()
        assert public["enterprise_profile"] is None
        edited = await client.patch(path, json={"employees_band": "1000_plus"}, headers=company.headers)
        assert edited.json()["confirmed_at"] is None and edited.json()["specialized_level"] == "provincial"

    async def test_outside_its_region_an_operator_writes_nothing(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company = await vetted_account(client, admin, region_code=YIBIN)
        assert (
            await client.patch(
                f"/organizations/{company.organization_id}/profile", json=PROFILE, headers=company.headers
            )
        ).status_code == 200
        deyang = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        before = await _audit_count(db)
        for method, suffix, body in (("POST", "/confirm", None), ("PATCH", "", {"high_tech": False})):
            response = await client.request(
                method,
                f"/organizations/{company.organization_id}/profile{suffix}",
                json=body,
                headers=deyang.headers,
            )
            assert response.status_code == 404, (method, response.text)
        db.expire_all()
        organization = await db.get(Organization, uuid.UUID(company.organization_id))
        assert (
            organization is not None
            and organization.profile_confirmed_at is None
            and organization.high_tech is True
        )
        assert await _audit_count(db) == before

    async def test_bad_profiles(self, client: httpx.AsyncClient, admin: Account, supplier: Account) -> None:
        company = await vetted_account(client, admin)
        path = f"/organizations/{company.organization_id}/profile"
        contradiction = await client.patch(
            path, json={"above_designated_size": True, "output_band": "3m_20m"}, headers=company.headers
        )
        assert contradiction.status_code == 422
        assert contradiction.json()["errors"][0]["loc"] == ["body", "output_band"]
        unknown = await client.patch(path, json={"specialized_level": "global"}, headers=company.headers)
        assert unknown.status_code == 422
        nulled = await client.patch(path, json={"main_products": None}, headers=company.headers)
        assert nulled.status_code == 422 and nulled.json()["errors"][0]["loc"] == ["body", "main_products"]
        not_an_enterprise = await client.patch(
            f"/organizations/{supplier.organization_id}/profile", json=PROFILE, headers=supplier.headers
        )
        assert not_an_enterprise.status_code == 409
        stranger = await client.patch(path, json=PROFILE, headers=supplier.headers)
        assert stranger.status_code == 404  # the profile is private to the enterprise and its operators

    async def test_a_plain_member_may_not_edit_it(
        self, client: httpx.AsyncClient, admin: Account, mailbox: Any
    ) -> None:
        company = await vetted_account(client, admin)
        member = await team_member(client, company, mailbox, role="member")
        response = await client.patch(
            f"/organizations/{company.organization_id}/profile", json=PROFILE, headers=member.headers
        )
        assert response.status_code == 403 and response.json()["needed_role"] == "manager"


class TestPilotCounties:
    async def test_a_province_operator_marks_a_pilot_county(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        province = await operator_account(client, db, admin, region_code="510000", level="province")
        city = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        marked = await client.patch(
            f"/admin/regions/{GUANGHAN}", json={"pilot_year": 2025}, headers=province.headers
        )
        assert marked.status_code == 200 and marked.json()["pilot_year"] == 2025
        listed = (await client.get("/catalog/regions", params={"parent_code": DEYANG})).json()["items"]
        assert {r["code"]: r["pilot_year"] for r in listed}[GUANGHAN] == 2025
        refused = await client.patch(
            f"/admin/regions/{GUANGHAN}", json={"pilot_year": None}, headers=city.headers
        )
        assert refused.status_code == 403
        prefecture = await client.patch(
            f"/admin/regions/{DEYANG}", json={"pilot_year": 2025}, headers=province.headers
        )
        assert prefecture.status_code == 422 and prefecture.json()["errors"][0]["loc"] == ["path", "code"]
        unknown = await client.patch(
            "/admin/regions/519999", json={"pilot_year": 2025}, headers=province.headers
        )
        assert unknown.status_code == 404
        too_early = await client.patch(
            f"/admin/regions/{GUANGHAN}", json={"pilot_year": 2019}, headers=province.headers
        )
        assert too_early.status_code == 422


class TestAuditLog:
    async def test_every_operator_write_is_logged_with_before_and_after(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company = await vetted_account(client, admin, region_code=JINGYANG)
        path = f"/organizations/{company.organization_id}/profile"
        assert (await client.patch(path, json=PROFILE, headers=company.headers)).status_code == 200
        officer = await operator_account(client, db, admin, region_code=JINGYANG, level="county")
        assert (
            await client.patch(path, json={"high_tech": False}, headers=officer.headers)
        ).status_code == 200
        assert (await client.post(f"{path}/confirm", headers=officer.headers)).status_code == 200
        province = await operator_account(client, db, admin, region_code="510000", level="province")
        log = await client.get(
            "/admin/audit-log",
            params={"object_type": "organizations", "object_id": company.organization_id},
            headers=province.headers,
        )
        assert log.status_code == 200, log.text
        items = log.json()["items"]
        # Newest first: the operator's confirm and edit, then the admin's vetting (not the enterprise's edit).
        assert [i["actor"]["id"] for i in items] == [officer.user_id, officer.user_id, admin.user_id]
        vetting = items[2]
        assert (
            vetting["before"]["vetting_status"] == "pending"
            and vetting["after"]["vetting_status"] == "vetted"
        )
        items = items[:2]
        confirm, edit = items
        assert edit["action"] == "organizations.update" and edit["region_code"] == JINGYANG
        assert edit["before"]["high_tech"] is True and edit["after"]["high_tech"] is False
        assert confirm["before"]["profile_confirmed_at"] is None and confirm["after"]["profile_confirmed_at"]
        by_city = await client.get("/admin/audit-log", params={"region_code": DEYANG}, headers=admin.headers)
        assert {i["id"] for i in items} <= {i["id"] for i in by_city.json()["items"]}
        by_yibin = await client.get("/admin/audit-log", params={"region_code": YIBIN}, headers=admin.headers)
        assert not {i["id"] for i in items} & {i["id"] for i in by_yibin.json()["items"]}
        by_actor = await client.get(
            "/admin/audit-log", params={"actor_id": officer.user_id}, headers=admin.headers
        )
        assert [i["id"] for i in by_actor.json()["items"]] == [i["id"] for i in items]
        assert (await client.get("/admin/audit-log", headers=officer.headers)).status_code == 403

    async def test_admin_writes_are_logged_and_secrets_left_out(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        log = (
            await client.get("/admin/audit-log", params={"object_type": "users"}, headers=admin.headers)
        ).json()
        [assignment] = [i for i in log["items"] if i["object_id"] == officer.user_id]
        assert assignment["actor"]["id"] == admin.user_id
        assert assignment["before"] == {"operator_level": None, "operator_region_code": None}
        assert assignment["after"] == {"operator_level": "city", "operator_region_code": DEYANG}
        offices = (
            await client.get(
                "/admin/audit-log", params={"object_type": "organizations"}, headers=admin.headers
            )
        ).json()
        created = next(i for i in offices["items"] if i["object_id"] == officer.organization_id)
        assert created["action"] == "organizations.create" and created["after"]["kind"] == "gov"
        every = (await client.get("/admin/audit-log", headers=admin.headers)).json()["items"]
        assert all("password_hash" not in (i["after"] or {}) for i in every)
