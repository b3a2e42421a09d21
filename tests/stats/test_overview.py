"""GET /stats/overview: a cohort of posted demands followed through matching, contract and financing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.demand import Demand
from app.stats.targets import plan_targets
from tests.fixtures.factories import (
    Account,
    register_account,
)

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()


async def overview(client: httpx.AsyncClient, admin: Account, **params: Any) -> dict[str, Any]:
    response = await client.get("/stats/overview", headers=admin.headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_code(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {g["code"]: g for g in groups}


class TestOverview:
    async def test_the_cohort_followed_through_matching_contract_and_financing(
        self, client: httpx.AsyncClient, admin: Account, cohort: dict[str, dict[str, Any]]
    ) -> None:
        body = await overview(client, admin)
        assert body["demands"] == {
            "total": 4,
            "by_status": {"published": 3, "contracted": 1, "completed": 0, "closed": 0},
            "matched": 3,
            "contracted": 1,
            "financed": 1,
        }
        assert body["investment_cny"] == {
            "posted": 21_000_000,
            "matched": 17_000_000,
            "contracted": 9_000_000,
            "financed": 5_000_000,
        }

        regions = by_code(body["by_region"])
        assert len(body["by_region"]) == 21 and regions["510400"]["demands"] == 0
        assert regions["510100"] | {} == {
            "code": "510100",
            "name": "成都市",
            "demands": 1,
            "posted_cny": 12_000_000,
            "matched": 1,
            "matched_cny": 12_000_000,
            "contracted": 1,
            "contracted_cny": 9_000_000,
            "financed": 1,
            "financed_cny": 5_000_000,
        }
        assert (regions["511100"]["demands"], regions["511100"]["matched"]) == (3, 2)
        assert regions["511100"]["posted_cny"] == 9_000_000

        industries = by_code(body["by_industry"])
        assert set(industries) == {"C38", "C34"}
        assert industries["C38"]["name"] == "电气机械和器材制造业" and industries["C38"]["demands"] == 3
        assert [g["code"] for g in body["by_industry"]] == ["C38", "C34"]  # largest first
        # C3825 photovoltaic belongs to 先进材料 although its division C38 is 装备制造.
        sectors = by_code(body["by_sector"])
        assert sectors["先进材料"]["demands"] == 3 and sectors["装备制造"]["demands"] == 1

        tasks = [(g["code"], g["demands"]) for g in body["by_task_type"]]
        assert tasks == [
            ("line_upgrade", 2),
            ("smart_digital", 1),
            ("environmental", 1),
            ("safety", 0),
            ("micro", 0),
        ]
        month = TODAY.strftime("%Y-%m")
        assert body["by_month"][-1] == {
            "month": month,
            "posted": 4,
            "posted_cny": 21_000_000,
            "contracted": 1,
            "contracted_cny": 9_000_000,
        }

    async def test_targets_stand_beside_the_figures(
        self, client: httpx.AsyncClient, admin: Account, cohort: dict[str, dict[str, Any]]
    ) -> None:
        targets = (await overview(client, admin, region_code="510400"))["targets"]
        assert set(targets) == {
            "equipment_investment",
            "below_baseline_capacity_exit",
            "benchmark_capacity_share",
            "digital_rd_tool_penetration",
            "key_process_nc_rate",
        }
        investment = targets["equipment_investment"]
        # Province-wide whatever the region filter: 9,000,000 of 600,000,000,000.
        assert investment["target"] == 600_000_000_000 and investment["current"] == 9_000_000
        assert investment["progress"] == pytest.approx(9_000_000 / 600_000_000_000)
        assert investment["deadline"] == "2027-12-31" and "2023" in investment["baseline"]
        assert targets["key_process_nc_rate"]["target"] == 0.75
        assert targets["digital_rd_tool_penetration"]["target"] == 0.90
        assert targets["digital_rd_tool_penetration"]["current"] is None
        # One demand replaces below-baseline equipment, and it is not contracted.
        assert targets["below_baseline_capacity_exit"]["current"] == 0.0
        # Every target is the plan's own, and cites its section (the platform's measures say what they
        # are in measure_note).
        for target in targets.values():
            assert target["basis"] == "plan"
            assert "川经信规划〔2024〕73号 一、总体要求" in target["source"]
        assert "6000亿元" in investment["source"] and "75%" in targets["key_process_nc_rate"]["source"]

    async def test_filters_by_region_and_dates(
        self, client: httpx.AsyncClient, admin: Account, cohort: dict[str, dict[str, Any]]
    ) -> None:
        chengdu = await overview(client, admin, region_code="510100")
        assert chengdu["demands"]["total"] == 1 and chengdu["region_code"] == "510100"
        assert [g["code"] for g in chengdu["by_region"]] == ["510100"]
        today = await overview(client, admin, **{"from": TODAY.isoformat(), "to": TODAY.isoformat()})
        assert today["demands"]["total"] == 4
        assert today["period"] == {"from": TODAY.isoformat(), "to": TODAY.isoformat()}
        assert [m["month"] for m in today["by_month"]] == [TODAY.strftime("%Y-%m")]
        tomorrow = (TODAY + timedelta(days=1)).isoformat()
        later = await overview(client, admin, **{"from": tomorrow})
        assert later["demands"]["total"] == 0 and later["investment_cny"]["posted"] == 0
        a_year_ago = TODAY - timedelta(days=365)
        before = await overview(
            client, admin, to=(TODAY - timedelta(days=1)).isoformat(), **{"from": a_year_ago.isoformat()}
        )
        assert before["demands"]["total"] == 0
        assert len(before["by_month"]) in (12, 13)
        assert before["by_month"][0] == {
            "month": f"{a_year_ago.year:04d}-{a_year_ago.month:02d}",
            "posted": 0,
            "posted_cny": 0,
            "contracted": 0,
            "contracted_cny": 0,
        }

    async def test_an_empty_platform_has_zeros_not_errors(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        body = await overview(client, admin)
        assert body["demands"]["total"] == 0 and body["by_month"] == [] and body["by_industry"] == []
        assert all(g["demands"] == 0 for g in body["by_region"])
        exits = body["targets"]["below_baseline_capacity_exit"]
        assert exits["current"] is None and exits["measured"] is True  # measured, but nothing yet
        assert body["targets"]["key_process_nc_rate"]["measured"] is False


class TestBadInput:
    @pytest.mark.parametrize(
        ("params", "loc"),
        [
            ({"region_code": "999999"}, ["query", "region_code"]),
            ({"region_code": "chengdu"}, ["query", "region_code"]),
            ({"from": "2026-02-30"}, ["query", "from"]),
            ({"from": "2026-06-01", "to": "2026-05-01"}, ["query", "from"]),
            ({"to": "9999-12-31"}, ["query", "to"]),
            ({"from": "0001-01-01"}, ["query", "from"]),
        ],
    )
    async def test_a_422_names_the_parameter(
        self, client: httpx.AsyncClient, admin: Account, params: dict[str, str], loc: list[str]
    ) -> None:
        response = await client.get("/stats/overview", headers=admin.headers, params=params)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["loc"] == loc

    async def test_only_admins(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/stats/overview")).status_code == 401
        for kind in ("enterprise", "supplier", "provider", "bank"):
            account = await register_account(client, kind)
            assert (await client.get("/stats/overview", headers=account.headers)).status_code == 403


def test_the_plan_period_is_the_plans() -> None:
    period = plan_targets().plan_period
    assert (period.from_, period.to) == (date(2024, 1, 1), date(2027, 12, 31))


class TestCohortBoundaries:
    async def test_beijing_days_and_months_and_deals_that_fell_through(
        self,
        client: httpx.AsyncClient,
        admin: Account,
        cohort: dict[str, dict[str, Any]],
        db: AsyncSession,
    ) -> None:
        financed, quoted = cohort["financed"], cohort["quoted"]
        # 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Beijing: an April demand, contracted in May.
        await db.execute(
            update(Demand)
            .where(Demand.id == uuid.UUID(financed["id"]))
            .values(
                published_at=datetime(2026, 3, 31, 16, 30, tzinfo=UTC),
                contracted_at=datetime(2026, 5, 2, 3, 0, tzinfo=UTC),
            )
        )
        # A contracted demand closed afterwards is a deal that fell through.
        await db.execute(
            update(Demand)
            .where(Demand.id == uuid.UUID(quoted["id"]))
            .values(
                status="closed",
                contracted_at=datetime(2026, 5, 3, tzinfo=UTC),
                contracted_amount_cny=1_500_000,
                published_at=datetime(2026, 4, 30, 15, 59, tzinfo=UTC),  # 04-30 23:59 Beijing
            )
        )
        await db.flush()
        april = await overview(client, admin, **{"from": "2026-04-01", "to": "2026-04-30"})
        assert april["demands"]["total"] == 2 and april["demands"]["contracted"] == 1
        assert april["demands"]["by_status"]["closed"] == 1
        assert april["investment_cny"]["contracted"] == 9_000_000
        months = {m["month"]: m for m in april["by_month"]}
        assert months["2026-04"]["posted"] == 2 and months["2026-04"]["contracted"] == 0
        assert months["2026-05"]["contracted"] == 1 and months["2026-05"]["contracted_cny"] == 9_000_000
        march = await overview(client, admin, **{"from": "2026-03-01", "to": "2026-03-31"})
        assert march["demands"]["total"] == 0
        # The closed deal counts neither in the cohort nor toward the plan's investment target.
        assert april["targets"]["equipment_investment"]["current"] == 9_000_000
