from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.factories import (
    Account,
    financing_payload,
    register_account,
)


class TestFinancingProducts:
    async def test_a_vetted_bank_publishes(self, client: httpx.AsyncClient, bank: Account) -> None:
        response = await client.post("/financing-products", json=financing_payload(), headers=bank.headers)
        assert response.status_code == 201
        body = response.json()
        assert (
            body["bank"]["id"] == bank.organization_id and body["rate_min_pct"] == 2.8 and body["is_active"]
        )

    async def test_an_unvetted_bank_cannot(self, client: httpx.AsyncClient) -> None:
        pending = await register_account(client, "bank")
        response = await client.post("/financing-products", json=financing_payload(), headers=pending.headers)
        assert response.status_code == 403

    async def test_enterprises_cannot(self, client: httpx.AsyncClient) -> None:
        enterprise = await register_account(client, "enterprise")
        response = await client.post(
            "/financing-products", json=financing_payload(), headers=enterprise.headers
        )
        assert response.status_code == 403

    @pytest.mark.parametrize(
        ("over", "loc"),
        [
            ({"financing_type": "payday_loan"}, ["body", "financing_type"]),
            ({"amount_min_cny": 10, "amount_max_cny": 5}, ["body"]),
            ({"term_min_months": 0}, ["body", "term_min_months"]),
            ({"rate_min_pct": 5, "rate_max_pct": 4}, ["body"]),
            ({"rate_max_pct": 101}, ["body", "rate_max_pct"]),
            ({"region_codes": ["123456"]}, ["body", "region_codes", 0]),
            ({"task_types": ["space_travel"]}, ["body", "task_types", 0]),
        ],
    )
    async def test_bad_input(
        self, client: httpx.AsyncClient, bank: Account, over: dict[str, Any], loc: list[Any]
    ) -> None:
        response = await client.post(
            "/financing-products", json=financing_payload(**over), headers=bank.headers
        )
        assert response.status_code == 422, response.text
        assert loc in [e["loc"] for e in response.json()["errors"]]

    async def test_list_filters_by_eligibility(self, client: httpx.AsyncClient, bank: Account) -> None:
        open_to_all = (
            await client.post(
                "/financing-products", headers=bank.headers, json=financing_payload(name="通用技改贷")
            )
        ).json()
        chengdu_only = (
            await client.post(
                "/financing-products",
                headers=bank.headers,
                json=financing_payload(
                    name="成都更新贷",
                    financing_type="renewal_loan",
                    region_codes=["510100"],
                    task_types=["environmental"],
                    amount_min_cny=100_000,
                    amount_max_cny=2_000_000,
                ),
            )
        ).json()

        async def ids(**params: Any) -> set[str]:
            response = await client.get("/financing-products", params={"limit": 100, **params})
            assert response.status_code == 200, response.text
            return {p["id"] for p in response.json()["items"]} & {open_to_all["id"], chengdu_only["id"]}

        assert await ids(region_code="510100", task_type="environmental") == {chengdu_only["id"]}
        assert await ids(region_code="510300", task_type="line_upgrade") == {open_to_all["id"]}
        assert await ids(amount_cny=30_000_000) == {open_to_all["id"]}
        assert await ids(financing_type="renewal_loan") == {chengdu_only["id"]}
        assert (await client.get("/financing-products", params={"financing_type": "nope"})).status_code == 422

    async def test_deactivated_products_leave_the_public_list(
        self, client: httpx.AsyncClient, bank: Account
    ) -> None:
        product = (
            await client.post("/financing-products", json=financing_payload(), headers=bank.headers)
        ).json()
        response = await client.patch(
            f"/financing-products/{product['id']}", headers=bank.headers, json={"is_active": False}
        )
        assert response.json()["is_active"] is False
        assert (await client.get(f"/financing-products/{product['id']}")).status_code == 404
        mine = (await client.get("/me/financing-products", headers=bank.headers)).json()
        assert product["id"] in [p["id"] for p in mine["items"]]

    async def test_patch_rechecks_ranges(self, client: httpx.AsyncClient, bank: Account) -> None:
        product = (
            await client.post("/financing-products", json=financing_payload(), headers=bank.headers)
        ).json()
        response = await client.patch(
            f"/financing-products/{product['id']}", headers=bank.headers, json={"amount_min_cny": 90_000_000}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "amount_max_cny"]
