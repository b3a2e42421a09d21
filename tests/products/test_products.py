from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Product, ProductReview
from tests.fixtures.factories import (
    Account,
    create_product,
    listed_product,
    product_payload,
    register_account,
)


class TestCreateProduct:
    async def test_creates_a_draft(self, client: httpx.AsyncClient, supplier: Account) -> None:
        product = await create_product(client, supplier)
        assert product["status"] == "draft"
        assert product["made_in_sichuan"] is True and product["made_in_sichuan_verified"] is False
        assert product["supplier"]["id"] == supplier.organization_id

    @pytest.mark.parametrize("kind", ["enterprise", "provider", "bank"])
    async def test_only_suppliers_list_products(self, client: httpx.AsyncClient, kind: str) -> None:
        account = await register_account(client, kind)
        assert (
            await client.post("/products", json=product_payload(), headers=account.headers)
        ).status_code == 403

    @pytest.mark.parametrize(
        ("over", "loc"),
        [
            ({"category_code": "nope.nope"}, ["body", "category_code"]),
            ({"industry_codes": ["C3825", "C0000"]}, ["body", "industry_codes", 1]),
            ({"service_region_codes": ["999999"]}, ["body", "service_region_codes", 0]),
            ({"price_min_cny": 9, "price_max_cny": 1}, ["body"]),
            ({"price_min_cny": -5}, ["body", "price_min_cny"]),
            ({"energy_grade": 0}, ["body", "energy_grade"]),
            ({"name": ""}, ["body", "name"]),
            ({"model": "M" * 101}, ["body", "model"]),
            ({"certifications": ["CE", "CE"]}, ["body", "certifications"]),
            ({"status": "listed"}, ["body", "status"]),
            ({"made_in_sichuan_verified": True}, ["body", "made_in_sichuan_verified"]),
        ],
    )
    async def test_bad_input(
        self,
        client: httpx.AsyncClient,
        supplier: Account,
        db: AsyncSession,
        over: dict[str, Any],
        loc: list[Any],
    ) -> None:
        before = (await db.execute(select(func.count()).select_from(Product))).scalar_one()
        response = await client.post("/products", json=product_payload(**over), headers=supplier.headers)
        assert response.status_code == 422, response.text
        assert loc in [e["loc"] for e in response.json()["errors"]]
        assert (await db.execute(select(func.count()).select_from(Product))).scalar_one() == before


class TestReview:
    async def test_submit_then_approve_confirming_sichuan_made(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account, db: AsyncSession
    ) -> None:
        product = await create_product(client, supplier)
        submitted = await client.post(f"/products/{product['id']}/submit", headers=supplier.headers)
        assert submitted.json()["status"] == "pending_review"
        queue = (
            await client.get(
                "/admin/vetting-queue", headers=admin.headers, params={"type": "product", "limit": 100}
            )
        ).json()
        assert product["id"] in [i["id"] for i in queue["items"]]
        reviewed = await client.post(
            f"/admin/products/{product['id']}/review",
            headers=admin.headers,
            json={"decision": "approve", "made_in_sichuan_confirmed": True},
        )
        assert reviewed.status_code == 200
        assert reviewed.json()["status"] == "listed" and reviewed.json()["made_in_sichuan_verified"] is True
        record = await db.scalar(select(ProductReview).where(ProductReview.product_id == product["id"]))
        assert record is not None and str(record.decided_by_id) == admin.user_id

    async def test_the_contract_review_body_confirms_a_claimed_sichuan_product(
        self, client: httpx.AsyncClient, db: AsyncSession, supplier: Account, admin: Account
    ) -> None:
        product = await create_product(client, supplier, made_in_sichuan=True)
        await client.post(f"/products/{product['id']}/submit", headers=supplier.headers)
        reviewed = await client.post(
            f"/admin/products/{product['id']}/review",
            headers=admin.headers,
            json={"decision": "approve", "note": "资料齐全"},
        )
        assert reviewed.status_code == 200, reviewed.text
        assert reviewed.json()["status"] == "listed"
        assert reviewed.json()["made_in_sichuan_verified"] is True
        record = await db.scalar(select(ProductReview).where(ProductReview.product_id == product["id"]))
        assert record is not None and record.made_in_sichuan_confirmed is True

    async def test_the_admin_can_deny_the_sichuan_claim_while_listing(
        self, client: httpx.AsyncClient, db: AsyncSession, supplier: Account, admin: Account
    ) -> None:
        product = await create_product(client, supplier, made_in_sichuan=True)
        await client.post(f"/products/{product['id']}/submit", headers=supplier.headers)
        url = f"/admin/products/{product['id']}/review"
        denied = await client.post(
            url, headers=admin.headers, json={"decision": "approve", "made_in_sichuan_confirmed": False}
        )
        assert denied.status_code == 200
        assert denied.json()["status"] == "listed" and denied.json()["made_in_sichuan_verified"] is False
        record = await db.scalar(select(ProductReview).where(ProductReview.product_id == product["id"]))
        assert record is not None and record.made_in_sichuan_confirmed is False

    async def test_a_product_without_the_claim_is_never_marked(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        product = await create_product(client, supplier, made_in_sichuan=False)
        await client.post(f"/products/{product['id']}/submit", headers=supplier.headers)
        reviewed = await client.post(
            f"/admin/products/{product['id']}/review", headers=admin.headers, json={"decision": "approve"}
        )
        assert reviewed.status_code == 200
        assert reviewed.json()["made_in_sichuan_verified"] is False

    async def test_reject_needs_a_note_and_the_supplier_sees_it(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        product = await create_product(client, supplier)
        await client.post(f"/products/{product['id']}/submit", headers=supplier.headers)
        url = f"/admin/products/{product['id']}/review"
        assert (await client.post(url, headers=admin.headers, json={"decision": "reject"})).status_code == 422
        await client.post(url, headers=admin.headers, json={"decision": "reject", "note": "缺少能效检测报告"})
        mine = (await client.get(f"/products/{product['id']}", headers=supplier.headers)).json()
        assert mine["status"] == "rejected" and mine["review_note"] == "缺少能效检测报告"
        resubmitted = await client.post(f"/products/{product['id']}/submit", headers=supplier.headers)
        assert resubmitted.json()["status"] == "pending_review"

    async def test_reviewing_a_draft_is_409(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        product = await create_product(client, supplier)
        response = await client.post(
            f"/admin/products/{product['id']}/review",
            headers=admin.headers,
            json={"decision": "approve", "made_in_sichuan_confirmed": True},
        )
        assert response.status_code == 409

    async def test_suppliers_cannot_review(self, client: httpx.AsyncClient, supplier: Account) -> None:
        product = await create_product(client, supplier)
        await client.post(f"/products/{product['id']}/submit", headers=supplier.headers)
        response = await client.post(
            f"/admin/products/{product['id']}/review",
            headers=supplier.headers,
            json={"decision": "approve", "made_in_sichuan_confirmed": True},
        )
        assert response.status_code == 403

    async def test_editing_a_listed_product_sends_it_back_to_review(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        product = await listed_product(client, supplier, admin)
        edited = await client.patch(
            f"/products/{product['id']}", headers=supplier.headers, json={"price_max_cny": 2_800_000}
        )
        assert edited.json()["status"] == "pending_review"
        assert (await client.get(f"/products/{product['id']}")).status_code == 404
        # An edit that changes nothing does not.
        again = await listed_product(client, supplier, admin)
        same = await client.patch(
            f"/products/{again['id']}",
            headers=supplier.headers,
            json={"price_max_cny": again["price_max_cny"]},
        )
        assert same.json()["status"] == "listed"

    async def test_changing_the_sichuan_claim_drops_its_verification(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        product = await listed_product(client, supplier, admin, made_in_sichuan=False)
        edited = await client.patch(
            f"/products/{product['id']}", headers=supplier.headers, json={"made_in_sichuan": True}
        )
        assert edited.json()["made_in_sichuan_verified"] is False


class TestPublicList:
    async def test_only_listed_products_of_vetted_suppliers(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        listed = await listed_product(client, supplier, admin, service_region_codes=["513300"])
        draft = await create_product(client, supplier, service_region_codes=["513300"])
        ids = [
            p["id"] for p in (await client.get("/products", params={"region_code": "513300"})).json()["items"]
        ]
        assert listed["id"] in ids and draft["id"] not in ids
        await client.post(
            f"/admin/organizations/{supplier.organization_id}/vetting",
            headers=admin.headers,
            json={"decision": "suspend", "note": "资质到期"},
        )
        ids = [
            p["id"] for p in (await client.get("/products", params={"region_code": "513300"})).json()["items"]
        ]
        assert listed["id"] not in ids
        assert (await client.get(f"/products/{listed['id']}")).status_code == 404

    async def test_filters(self, client: httpx.AsyncClient, supplier: Account, admin: Account) -> None:
        region = "513200"
        cheap = await listed_product(
            client,
            supplier,
            admin,
            service_region_codes=[region],
            energy_grade=1,
            price_min_cny=100_000,
            price_max_cny=200_000,
        )
        dear = await listed_product(
            client,
            supplier,
            admin,
            service_region_codes=[region],
            energy_grade=3,
            price_min_cny=5_000_000,
            price_max_cny=6_000_000,
            made_in_sichuan=False,
            category_code="smart.software.mes",
            industry_codes=["C2612"],
        )

        async def ids(**params: Any) -> list[str]:
            response = await client.get("/products", params={"region_code": region, **params})
            assert response.status_code == 200, response.text
            return [p["id"] for p in response.json()["items"]]

        assert set(await ids()) == {cheap["id"], dear["id"]}
        assert await ids(price_max_cny=1_000_000) == [cheap["id"]]
        assert await ids(energy_grade_max=2) == [cheap["id"]]
        assert await ids(made_in_sichuan="true") == [cheap["id"]]
        assert await ids(category_code="smart") == [dear["id"]]
        assert await ids(industry_code="C2612") == [dear["id"]]

    async def test_no_service_regions_means_the_whole_province(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        everywhere = await listed_product(client, supplier, admin, service_region_codes=[])
        ids = [
            p["id"]
            for p in (await client.get("/products", params={"region_code": "512000", "limit": 100})).json()[
                "items"
            ]
        ]
        assert everywhere["id"] in ids

    async def test_my_products_and_withdraw(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        product = await listed_product(client, supplier, admin)
        withdrawn = await client.post(f"/products/{product['id']}/withdraw", headers=supplier.headers)
        assert withdrawn.json()["status"] == "withdrawn"
        assert (
            await client.post(f"/products/{product['id']}/withdraw", headers=supplier.headers)
        ).status_code == 409
        mine = (
            await client.get("/me/products", headers=supplier.headers, params={"status": "withdrawn"})
        ).json()
        assert [p["id"] for p in mine["items"]] == [product["id"]]
