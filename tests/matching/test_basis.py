"""Every rule and threshold the API shows says where it comes from: `basis` plan | regulation | estimate,
with a `source` in Chinese. The plan's own rules cite the plan's section; what the plan and the cited
regulations leave open (the age of old chemical equipment, subsidy rates, every matching weight) is
labelled an estimate and says what it rests on."""

from __future__ import annotations

from typing import Any

import httpx

from app.matching.weights import TEAM_ESTIMATE_SOURCE
from tests.fixtures.factories import (
    Account,
    create_demand,
    financing_payload,
    listed_product,
    published_demand,
    register_account,
    vet,
)

PLAN = "川经信规划〔2024〕73号"
BASES = {"plan", "regulation", "estimate"}


async def matches(client: httpx.AsyncClient, owner: Account, demand_id: str, kind: str) -> dict[str, Any]:
    response = await client.get(
        f"/demands/{demand_id}/matches", params={"kind": kind, "limit": 100}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def reasons_of(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["factor"]: r for r in item["reasons"]}


def assert_cited(node: dict[str, Any]) -> None:
    assert node["basis"] in BASES, node
    assert isinstance(node["source"], str) and node["source"], node
    if node["basis"] == "plan":
        assert PLAN in node["source"], node


class TestPriorityFlags:
    async def test_the_plans_rules_cite_the_plan_and_the_safety_age_is_an_estimate(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        tool = await create_demand(
            client,
            enterprise,
            task_type="smart_digital",
            category_codes=["smart.cnc_machine_tool"],
            old_equipment={"age_years": 12, "below_energy_baseline": True},
            required_energy_grade=None,
        )
        flags = {f["code"]: f for f in tool["priority"]["flags"]}
        assert flags["old_machine_tool"]["basis"] == "plan"
        assert "二、（四）" in flags["old_machine_tool"]["source"]
        assert "服役超过10年的机床" in flags["old_machine_tool"]["source"]
        assert flags["below_energy_baseline"]["basis"] == "plan"
        assert "一、总体要求" in flags["below_energy_baseline"]["source"]
        tank = await create_demand(
            client,
            enterprise,
            category_codes=["safety.chemical_renewal.storage_tank"],
            old_equipment={"age_years": 20},
        )
        (old_tank,) = tank["priority"]["flags"]
        assert old_tank["code"] == "old_safety_critical" and old_tank["basis"] == "estimate"
        assert "未规定役龄" in old_tank["source"] and "估算" in old_tank["source"]
        for flag in [*flags.values(), old_tank]:
            assert_cited(flag)
        # The same in the demand's own view and in its matches.
        again = (await client.get(f"/demands/{tank['id']}", headers=enterprise.headers)).json()
        assert again["priority"] == tank["priority"]


class TestMatchReasons:
    async def test_product_reasons_cite_the_plan_where_it_speaks_and_are_estimates_elsewhere(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
    ) -> None:
        tool = await published_demand(
            client,
            enterprise,
            task_type="smart_digital",
            category_codes=["smart.cnc_machine_tool"],
            old_equipment={"age_years": 12, "below_energy_baseline": True},
            required_energy_grade=None,
        )
        product = await listed_product(
            client,
            supplier,
            admin,
            category_code="smart.cnc_machine_tool",
            name="五轴数控机床",
            energy_grade=2,
        )
        body = await matches(client, enterprise, tool["id"], "product")
        item = next(i for i in body["items"] if i["target"]["id"] == product["id"])
        reasons = reasons_of(item)
        for reason in reasons.values():
            assert_cited(reason)
        # Below the baseline with no grade asked: the plan's 能效二级以上 is applied.
        assert reasons["energy"]["basis"] == "plan" and "能效二级以上" in reasons["energy"]["source"]
        assert (
            reasons["made_in_sichuan"]["basis"] == "plan" and "四川造" in reasons["made_in_sichuan"]["source"]
        )
        # Both flags raised are the plan's.
        assert reasons["priority"]["value"] == 1 and reasons["priority"]["basis"] == "plan"
        for factor in ("category", "text", "industry", "region", "price", "supplier_record", "lead_time"):
            assert reasons[factor]["basis"] == "estimate", factor
            assert reasons[factor]["source"] == TEAM_ESTIMATE_SOURCE

        # The demand asks for a grade itself: the energy rule is the team's, not the plan's.
        plain = await published_demand(
            client,
            enterprise,
            task_type="smart_digital",
            category_codes=["smart.cnc_machine_tool"],
            old_equipment={"age_years": 5},
            required_energy_grade=2,
        )
        body = await matches(client, enterprise, plain["id"], "product")
        reasons = reasons_of(next(i for i in body["items"] if i["target"]["id"] == product["id"]))
        assert reasons["energy"]["basis"] == "estimate"
        # No flag raised: the check rests on all three rules, one of them an estimate.
        assert reasons["priority"]["value"] == 0 and reasons["priority"]["basis"] == "estimate"

    async def test_an_estimated_flag_makes_the_priority_reason_an_estimate(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
    ) -> None:
        code = "safety.chemical_renewal.storage_tank"
        tank = await published_demand(
            client,
            enterprise,
            task_type="safety",
            category_codes=[code],
            old_equipment={"age_years": 20},
            required_energy_grade=None,
        )
        product = await listed_product(
            client, supplier, admin, category_code=code, name="双层储罐", energy_grade=None
        )
        body = await matches(client, enterprise, tank["id"], "product")
        reasons = reasons_of(next(i for i in body["items"] if i["target"]["id"] == product["id"]))
        assert reasons["priority"]["value"] == 1 and reasons["priority"]["basis"] == "estimate"
        assert "未规定役龄" in reasons["priority"]["source"]

    async def test_provider_and_financing_reasons(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, bank: Account
    ) -> None:
        provider = await register_account(
            client, "provider", provider_types=["engineering_firm"], profile={"industry_codes": ["C3825"]}
        )
        await vet(client, admin, provider.organization_id)
        response = await client.post("/financing-products", headers=bank.headers, json=financing_payload())
        assert response.status_code == 201, response.text
        demand = await published_demand(client, enterprise)  # needs engineering and 5,000,000 of financing

        providers = await matches(client, enterprise, demand["id"], "provider")
        item = next(i for i in providers["items"] if i["target"]["id"] == provider.organization_id)
        assert {r["basis"] for r in item["reasons"]} == {"estimate"}  # the plan ranks no provider

        financing = await matches(client, enterprise, demand["id"], "financing")
        reasons = reasons_of(financing["items"][0])
        for reason in reasons.values():
            assert_cited(reason)
        assert reasons["relending"]["basis"] == "plan" and "再贷款" in reasons["relending"]["source"]
        assert reasons["cost"]["basis"] == reasons["type_fit"]["basis"] == "estimate"


class TestPolicyMatches:
    async def test_programmes_rates_and_conditions_say_where_they_come_from(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await published_demand(client, enterprise)  # line_upgrade, 8-12 million, financing 5m/36m
        items = {
            i["target"]["id"]: i for i in (await matches(client, enterprise, demand["id"], "policy"))["items"]
        }
        project = items["sc-renewal-subsidy-project"]
        assert project["basis"] == "plan" and PLAN in project["source"]["document"]
        # The plan sets the 30亿元 and the 项目法, not the 5% or the cap: the estimate says so.
        assert project["estimate"]["basis"] == "estimate" and "未规定" in project["estimate"]["source"]
        reasons = reasons_of(project)
        assert reasons["scope"]["basis"] == "plan" and "（七）" in reasons["scope"]["source"]
        assert reasons["investment"]["basis"] == "estimate" and "500万元" in reasons["investment"]["source"]
        interest = items["renewal-loan-interest-subsidy"]
        assert interest["basis"] == "regulation"
        assert interest["estimate"]["basis"] == "regulation"
        assert "财金〔2024〕54号" in interest["estimate"]["source"]
        assert reasons_of(interest)["financing"]["basis"] == "regulation"
        relending = items["tech-innovation-relending"]
        assert relending["basis"] == "regulation" and relending["estimate"]["basis"] == "estimate"
        filing = items["filing-commitment"]
        assert filing["estimate"]["basis"] == "estimate"
        assert reasons_of(filing)["no_new_land_or_capacity"]["basis"] == "estimate"
        for item in items.values():
            assert item["basis"] in {"plan", "regulation"}
            assert_cited(item["estimate"])
            for reason in item["reasons"]:
                assert_cited(reason)

        safety = await published_demand(
            client,
            enterprise,
            task_type="safety",
            category_codes=["safety.chemical_renewal.reactor"],
            budget_min_cny=1_000_000,
            budget_max_cny=3_000_000,
            needs={"equipment": True, "design": False, "engineering": False},
            old_equipment={"age_years": 15},
            required_energy_grade=None,
        )
        items = {
            i["target"]["id"]: i for i in (await matches(client, enterprise, safety["id"], "policy"))["items"]
        }
        credit = items["special-equipment-tax-credit"]
        # 10% is the statute's rate; the equipment must be in the national catalogues.
        assert credit["basis"] == "regulation" and credit["estimate"]["basis"] == "regulation"
        assert "第三十四条" in credit["estimate"]["source"]
        assert reasons_of(credit)["scope"]["basis"] == "regulation"
        assert reasons_of(credit)["priority"]["basis"] == "estimate"  # the 10-year age of the reactor

    async def test_the_policy_list_shows_the_bases(self, client: httpx.AsyncClient) -> None:
        items = {p["code"]: p for p in (await client.get("/policies")).json()["items"]}
        assert items["sc-renewal-subsidy-project"]["basis"] == "plan"
        assert items["special-equipment-tax-credit"]["basis"] == "regulation"
        assert items["sc-renewal-subsidy-project"]["benefit"]["basis"] == "estimate"
        assert items["special-equipment-tax-credit"]["benefit"]["basis"] == "regulation"
        for policy in items.values():
            assert policy["basis"] in {"plan", "regulation"}
            assert_cited(policy["benefit"])
            if policy["benefit"]["basis"] == "estimate":
                assert "测算假设" in policy["benefit"]["source"]


class TestCatalog:
    async def test_financing_types_are_the_plans_section_eight(self, client: httpx.AsyncClient) -> None:
        items = (await client.get("/catalog/financing-types")).json()["items"]
        assert {i["code"] for i in items} >= {
            "tech_upgrade_loan",
            "renewal_loan",
            "specialized_sme_loan",
            "manufacturing_benefit_loan",
        }
        for item in items:
            assert item["basis"] == "plan" and "（八）" in item["source"], item
            assert_cited(item)

    async def test_the_basis_enum_is_labelled(self, client: httpx.AsyncClient) -> None:
        labels = (await client.get("/catalog/labels")).json()
        assert labels["Basis"] == {
            "plan": {"zh": "行动方案", "en": "Action plan"},
            "regulation": {"zh": "法规标准", "en": "Regulation or standard"},
            "estimate": {"zh": "估算", "en": "Estimate"},
        }
