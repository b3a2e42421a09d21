"""设备台账: an enterprise's equipment inventory, the plan's priority rules on each item, its .xlsx import,
and who may read and write it (the enterprise, the 服务专员 of its region, admins)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel import today_in_sichuan
from app.models import AuditEvent, EquipmentItem
from tests.fixtures.factories import Account, operator_account, register_account, vetted_account
from tests.spreadsheets.test_spreadsheets import XLSX, workbook

THIS_YEAR = today_in_sichuan().year
DEYANG, JINGYANG, YIBIN = "510600", "510603", "511500"
HEADERS = [
    "设备类别",
    "型号",
    "生产厂家",
    "投运年份",
    "数量",
    "能效等级",
    "原值（元）",
    "低于能效基准",
    "淘汰目录",
    "淘汰目录条目",
    "备注",
]


def item(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category_code": "smart.cnc_machine_tool",
        "model": "CK6140",
        "maker": "某机床厂",
        "in_service_year": THIS_YEAR - 14,
        "count": 6,
        "energy_grade": 3,
        "original_value_cny": 1_200_000,
    }
    return body | over


async def _count(db: AsyncSession) -> int:
    db.expire_all()
    return int(await db.scalar(select(func.count()).select_from(EquipmentItem)) or 0)


class TestRecording:
    async def test_an_old_machine_tool_is_flagged_with_the_plans_rule(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        response = await client.post(
            f"/organizations/{enterprise.organization_id}/equipment", json=item(), headers=enterprise.headers
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["age_years"] == 14 and body["category_name"]
        [flag] = body["flags"]
        assert flag["rule"] == "old_machine_tool" and flag["basis"] == "plan"
        assert "14年" in flag["detail"] and "川经信规划〔2024〕73号" in flag["source"]

    async def test_a_young_machine_tool_is_not(self, client: httpx.AsyncClient, enterprise: Account) -> None:
        response = await client.post(
            f"/organizations/{enterprise.organization_id}/equipment",
            json=item(in_service_year=THIS_YEAR - 3),
            headers=enterprise.headers,
        )
        assert response.status_code == 201 and response.json()["flags"] == []

    async def test_energy_and_elimination_catalogue_rules(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        response = await client.post(
            f"/organizations/{enterprise.organization_id}/equipment",
            json=item(
                category_code="safety.chemical_renewal",
                model="反应釜R-3",
                in_service_year=THIS_YEAR - 12,
                below_energy_baseline=True,
                elimination_catalogue="industrial_structure_2024",
                elimination_entry="淘汰类 一、（十）",
            ),
            headers=enterprise.headers,
        )
        assert response.status_code == 201, response.text
        flags = {f["rule"]: f for f in response.json()["flags"]}
        assert set(flags) == {"below_energy_baseline", "old_safety_critical", "elimination_catalogue"}
        assert flags["old_safety_critical"]["basis"] == "estimate"  # the plan names no age: our estimate
        assert flags["elimination_catalogue"]["basis"] == "regulation"
        assert "产业结构调整指导目录（2024年本）" in flags["elimination_catalogue"]["source"]
        assert "淘汰类 一、（十）" in flags["elimination_catalogue"]["detail"]

    async def test_bad_items_are_422_naming_the_field(
        self, client: httpx.AsyncClient, enterprise: Account, db: AsyncSession
    ) -> None:
        path = f"/organizations/{enterprise.organization_id}/equipment"
        for body, field in (
            (item(in_service_year=THIS_YEAR + 1), "in_service_year"),
            (item(in_service_year=1900), "in_service_year"),
            (item(category_code="no.such.category"), "category_code"),
            (item(count=0), "count"),
            (item(energy_grade=6), "energy_grade"),
            (item(elimination_entry="淘汰类"), "elimination_catalogue"),
            (item(elimination_catalogue="my_own_list"), "elimination_catalogue"),
        ):
            response = await client.post(path, json=body, headers=enterprise.headers)
            assert response.status_code == 422, body
            locs = [e["loc"] for e in response.json()["errors"]]
            assert any(loc[-1] == field or field in loc for loc in locs), (field, locs)
        assert await _count(db) == 0

    async def test_list_summary_update_and_delete(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        path = f"/organizations/{enterprise.organization_id}/equipment"
        old = (await client.post(path, json=item(), headers=enterprise.headers)).json()
        await client.post(
            path, json=item(model="XK714", in_service_year=THIS_YEAR - 2, count=2), headers=enterprise.headers
        )
        listed = (await client.get(path, headers=enterprise.headers, params={"limit": 1})).json()
        assert len(listed["items"]) == 1 and listed["next_cursor"]
        assert listed["summary"] == {
            "items": 2,
            "units": 8,
            "flagged_items": 1,
            "original_value_cny": 2_400_000,
        }
        renewed = await client.patch(
            f"/equipment/{old['id']}", json={"in_service_year": THIS_YEAR - 1}, headers=enterprise.headers
        )
        assert renewed.status_code == 200 and renewed.json()["flags"] == []
        future = await client.patch(
            f"/equipment/{old['id']}", json={"in_service_year": THIS_YEAR + 2}, headers=enterprise.headers
        )
        assert future.status_code == 422 and future.json()["errors"][0]["loc"] == ["body", "in_service_year"]
        nulled = await client.patch(
            f"/equipment/{old['id']}", json={"count": None}, headers=enterprise.headers
        )
        assert nulled.status_code == 422
        gone = await client.delete(f"/equipment/{old['id']}", headers=enterprise.headers)
        assert gone.status_code == 204
        assert (await client.get(path, headers=enterprise.headers)).json()["summary"]["items"] == 1


class TestWho:
    async def test_the_operator_of_the_region_records_and_the_log_says_so(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession
    ) -> None:
        company = await register_account(client, region_code=JINGYANG)
        officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
        path = f"/organizations/{company.organization_id}/equipment"
        created = await client.post(path, json=item(), headers=officer.headers)
        assert created.status_code == 201, created.text
        assert (await client.get(path, headers=company.headers)).json()["summary"]["items"] == 1
        log = (
            await client.get(
                "/admin/audit-log",
                params={"object_type": "equipment_items", "object_id": created.json()["id"]},
                headers=admin.headers,
            )
        ).json()["items"]
        assert [(e["action"], e["actor"]["id"], e["region_code"]) for e in log] == [
            ("equipment_items.create", officer.user_id, JINGYANG)
        ]

    async def test_strangers_and_operators_elsewhere_see_and_write_nothing(
        self, client: httpx.AsyncClient, admin: Account, db: AsyncSession, supplier: Account
    ) -> None:
        company = await vetted_account(client, admin, region_code=JINGYANG)
        path = f"/organizations/{company.organization_id}/equipment"
        mine = (await client.post(path, json=item(), headers=company.headers)).json()
        yibin = await operator_account(client, db, admin, region_code=YIBIN, level="city")
        other = await vetted_account(client, admin)
        audit = int(await db.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        for who in (yibin, other, supplier):
            assert (await client.get(path, headers=who.headers)).status_code == 404
            assert (await client.post(path, json=item(model="X"), headers=who.headers)).status_code == 404
            assert (
                await client.patch(f"/equipment/{mine['id']}", json={"count": 1}, headers=who.headers)
            ).status_code == 404
            assert (await client.delete(f"/equipment/{mine['id']}", headers=who.headers)).status_code == 404
        assert (await client.get(path)).status_code == 401
        assert await _count(db) == 1
        db.expire_all()
        assert int(await db.scalar(select(func.count()).select_from(AuditEvent)) or 0) == audit
        not_an_enterprise = await client.get(
            f"/organizations/{supplier.organization_id}/equipment", headers=supplier.headers
        )
        assert not_an_enterprise.status_code == 409


class TestImport:
    async def _upload(
        self, client: httpx.AsyncClient, who: Account, organization_id: str, content: bytes, **params: Any
    ) -> httpx.Response:
        return await client.post(
            f"/organizations/{organization_id}/equipment/import",
            files={"file": ("台账.xlsx", content, XLSX)},
            params=params,
            headers=who.headers,
        )

    async def test_a_dry_run_then_the_import_then_a_repeat_refused(
        self, client: httpx.AsyncClient, enterprise: Account, db: AsyncSession
    ) -> None:
        content = workbook(
            HEADERS,
            [
                [
                    "smart.cnc_machine_tool",
                    "CK6140",
                    "某机床厂",
                    THIS_YEAR - 15,
                    4,
                    3,
                    800000,
                    "否",
                    None,
                    None,
                    None,
                ],
                [
                    "反应釜",
                    "R-2",
                    "某化机厂",
                    THIS_YEAR - 11,
                    2,
                    None,
                    None,
                    "是",
                    "产业结构调整指导目录（2024年本）淘汰类",
                    "淘汰类 一",
                    "二车间",
                ],
            ],
        )
        org = enterprise.organization_id
        dry = await self._upload(client, enterprise, org, content, dry_run="true")
        assert dry.status_code == 200, dry.text
        assert dry.json()["errors"] == []
        assert dry.json() | {"errors": None} == {
            "list": "equipment",
            "dry_run": True,
            "rows": 2,
            "accepted": 2,
            "rejected": 0,
            "errors": None,
            "errors_truncated": False,
            "imported": 0,
        }
        assert await _count(db) == 0
        real = await self._upload(client, enterprise, org, content)
        assert real.status_code == 201 and real.json()["imported"] == 2
        listed = (await client.get(f"/organizations/{org}/equipment", headers=enterprise.headers)).json()
        assert listed["summary"]["flagged_items"] == 2
        assert {i["elimination_catalogue"] for i in listed["items"]} == {None, "industrial_structure_2024"}
        again = await self._upload(client, enterprise, org, content)
        assert again.status_code == 422 and again.json()["imported"] == 0
        assert {e["row"] for e in again.json()["errors"]} == {2, 3}
        assert await _count(db) == 2

    async def test_every_bad_cell_is_reported_and_nothing_written(
        self, client: httpx.AsyncClient, enterprise: Account, db: AsyncSession
    ) -> None:
        content = workbook(
            HEADERS,
            [
                ["smart.cnc_machine_tool", "A", "厂", THIS_YEAR + 1, 1, None, None, None, None, None, None],
                ["没有这个类别", "B", "厂", 2010, 1, None, None, None, None, None, None],
                ["smart.cnc_machine_tool", "C", "厂", 2010, 1, None, None, None, "自编目录", None, None],
                ["smart.cnc_machine_tool", "D", "厂", 2010, 1, None, None, None, None, None, None],
            ],
        )
        response = await self._upload(client, enterprise, enterprise.organization_id, content)
        assert response.status_code == 422
        fields = {(e["row"], e["field"]) for e in response.json()["errors"]}
        assert fields == {(2, "投运年份"), (3, "设备类别"), (4, "淘汰目录")}
        assert response.json()["accepted"] == 1 and response.json()["imported"] == 0
        assert await _count(db) == 0

    async def test_only_those_who_may_write(
        self, client: httpx.AsyncClient, enterprise: Account, supplier: Account
    ) -> None:
        content = workbook(
            HEADERS, [["smart.cnc_machine_tool", "A", "厂", 2010, 1, None, None, None, None, None, None]]
        )
        refused = await self._upload(client, supplier, enterprise.organization_id, content)
        assert refused.status_code == 404
