"""Matching quality on the labelled evaluation set (tests/matching/eval_set.py): precision@5 of products
and providers, and no wrong-category product ever ranked above a right one."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories import Account, register_account, vet, vetted_account
from tests.matching.eval_set import (
    CATEGORIES,
    PROVIDERS,
    SUPPLIER_REGIONS,
    DemandCase,
    demands,
    products,
)

PRECISION_TARGET = 0.8


async def _listed(
    client: httpx.AsyncClient, supplier: Account, admin: Account, payload: dict[str, Any]
) -> str:
    created = await client.post("/products", json=payload, headers=supplier.headers)
    assert created.status_code == 201, created.text
    product_id = str(created.json()["id"])
    assert (await client.post(f"/products/{product_id}/submit", headers=supplier.headers)).status_code == 200
    reviewed = await client.post(
        f"/admin/products/{product_id}/review",
        headers=admin.headers,
        json={"decision": "approve", "note": "", "made_in_sichuan_confirmed": True},
    )
    assert reviewed.status_code == 200, reviewed.text
    return product_id


def _precision(ranked: list[str], right: frozenset[str], k: int = 5) -> float:
    """Right items in the top k, over k (or over the number of right items when there are fewer)."""
    return sum(1 for key in ranked[:k] if key in right) / min(k, len(right))


async def test_precision_at_5_and_category_order(client: httpx.AsyncClient, admin: Account) -> None:
    suppliers = [await vetted_account(client, admin, "supplier", region_code=r) for r in SUPPLIER_REGIONS]
    product_keys: dict[str, str] = {}
    category_of: dict[str, str] = {}
    for case in products():
        product_id = await _listed(
            client,
            suppliers[case.supplier],
            admin,
            {
                "name": case.name,
                "model": case.model,
                "category_code": case.category,
                "industry_codes": list(case.industries),
                "description": f"{case.name}，适用于{'、'.join(case.industries)}行业的设备更新。",
                "price_min_cny": case.price[0],
                "price_max_cny": case.price[1],
                "energy_grade": case.energy_grade,
                "made_in_sichuan": case.supplier % 2 == 0,
                "service_region_codes": list(case.regions),
                "certifications": [],
            },
        )
        product_keys[product_id] = case.key
        category_of[product_id] = case.category
    provider_keys: dict[str, str] = {}
    for provider in PROVIDERS:
        account = await register_account(
            client,
            "provider",
            provider_types=list(provider.types),
            profile={
                "services": list(provider.services),
                "industry_codes": list(provider.industries),
                "service_region_codes": list(provider.regions),
            },
        )
        await vet(client, admin, account.organization_id)
        provider_keys[account.organization_id] = provider.key

    enterprise = await vetted_account(client, admin, "enterprise")
    cases = demands()
    assert len(cases) >= 60 and {c.task_type for c in cases} == {
        "line_upgrade",
        "smart_digital",
        "environmental",
        "safety",
        "micro",
    }
    assert len({c.industry for c in cases}) >= 15 and len(CATEGORIES) >= 20

    async def evaluate(case: DemandCase) -> tuple[float, float | None, list[str]]:
        created = await client.post(
            "/demands",
            headers=enterprise.headers,
            json={
                "title": case.title,
                "description": case.description,
                "task_type": case.task_type,
                "industry_code": case.industry,
                "region_code": case.region,
                "category_codes": [case.category],
                "budget_min_cny": case.budget[0],
                "budget_max_cny": case.budget[1],
                "required_energy_grade": case.required_energy_grade,
                "needs": {
                    "equipment": True,
                    "design": case.needs_design,
                    "engineering": case.needs_engineering,
                },
            },
        )
        assert created.status_code == 201, created.text
        demand_id = created.json()["id"]
        got = await client.get(
            f"/demands/{demand_id}/matches",
            params={"kind": "product", "limit": 20},
            headers=enterprise.headers,
        )
        assert got.status_code == 200, got.text
        ranked = [item["target"]["id"] for item in got.json()["items"]]
        problems = []
        last_right = max(
            (i for i, pid in enumerate(ranked) if product_keys[pid] in case.right_products), default=-1
        )
        for i, pid in enumerate(ranked[: last_right + 1]):
            if category_of[pid] != case.category:
                problems.append(f"{case.key}: wrong-category {product_keys[pid]} ranked {i + 1}")
        look_alike = f"{case.category}#look-alike"
        if look_alike in [product_keys[p] for p in ranked]:
            problems.append(f"{case.key}: offered {look_alike}, filed under another category")
        product_precision = _precision([product_keys[p] for p in ranked], case.right_products)
        provider_precision = None
        if case.right_providers:
            got = await client.get(
                f"/demands/{demand_id}/matches", params={"kind": "provider"}, headers=enterprise.headers
            )
            keys = [
                provider_keys[i["target"]["id"]]
                for i in got.json()["items"]
                if i["target"]["id"] in provider_keys
            ]
            provider_precision = _precision(keys, case.right_providers)
        return product_precision, provider_precision, problems

    results = [await evaluate(case) for case in cases]
    product_p = sum(r[0] for r in results) / len(results)
    provider_values = [r[1] for r in results if r[1] is not None]
    provider_p = sum(provider_values) / len(provider_values)
    worst = sorted(zip((r[0] for r in results), (c.key for c in cases), strict=True))[:3]
    print(f"\nproducts precision@5 {product_p:.3f} over {len(results)} demands; worst {worst}")
    print(f"providers precision@5 {provider_p:.3f} over {len(provider_values)} demands")
    assert [p for r in results for p in r[2]] == []
    assert product_p >= PRECISION_TARGET
    assert provider_p >= PRECISION_TARGET
    assert len(provider_values) >= 30
