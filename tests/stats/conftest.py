"""The cohort the statistics tests follow: four posted demands and a draft."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.factories import Account, create_demand, listed_product, published_demand


async def quote(client: httpx.AsyncClient, supplier: Account, demand: dict[str, Any], price: int) -> str:
    response = await client.post(
        f"/demands/{demand['id']}/quotes",
        headers=supplier.headers,
        json={"price_cny": price, "delivery_days": 60, "message": ""},
    )
    assert response.status_code == 201, response.text
    quote_id: str = response.json()["id"]
    return quote_id


async def feedback(
    client: httpx.AsyncClient, owner: Account, demand: dict[str, Any], product_id: str, action: str
) -> None:
    response = await client.post(
        f"/demands/{demand['id']}/matches/feedback",
        headers=owner.headers,
        json={"kind": "product", "target_id": product_id, "action": action},
    )
    assert response.status_code == 201, response.text


NO_FINANCING = {"equipment": True, "design": False, "engineering": False, "financing": None}


@pytest.fixture
async def cohort(
    client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account, bank: Account
) -> dict[str, dict[str, Any]]:
    """Four posted demands and a draft: contracted and financed, shortlisted, quoted, untouched."""
    subscription = await client.post("/lead-subscriptions", headers=bank.headers, json={"name": "全部"})
    assert subscription.status_code == 201
    product = await listed_product(client, supplier, admin)
    financed = await published_demand(client, enterprise, region_code="510100", budget_max_cny=12_000_000)
    shortlisted = await published_demand(
        client,
        enterprise,
        region_code="511100",
        industry_code="C3421",
        task_type="smart_digital",
        budget_min_cny=1_000_000,
        budget_max_cny=3_000_000,
        needs=NO_FINANCING,
        share_with_banks=False,
    )
    quoted = await published_demand(
        client,
        enterprise,
        region_code="511100",
        task_type="environmental",
        budget_min_cny=1_000_000,
        budget_max_cny=2_000_000,
        needs=NO_FINANCING,
        share_with_banks=False,
    )
    untouched = await published_demand(
        client,
        enterprise,
        region_code="511100",
        budget_min_cny=1_000_000,
        budget_max_cny=4_000_000,
        needs=NO_FINANCING,
        share_with_banks=False,
        old_equipment={"age_years": 15, "energy_grade": 3, "below_energy_baseline": True},
    )
    await create_demand(client, enterprise, region_code="510100")  # a draft: never posted

    accepted = await quote(client, supplier, financed, 9_000_000)
    assert (await client.post(f"/quotes/{accepted}/accept", headers=enterprise.headers)).status_code == 200
    (lead,) = (await client.get("/leads", headers=bank.headers)).json()["items"]
    for status in ("viewed", "contacted", "approved"):
        moved = await client.patch(f"/leads/{lead['id']}", headers=bank.headers, json={"status": status})
        assert moved.status_code == 200, moved.text
    await feedback(client, enterprise, shortlisted, product["id"], "shortlist")
    await quote(client, supplier, quoted, 1_500_000)
    # Shortlisted and then cleared is no longer a match.
    await feedback(client, enterprise, untouched, product["id"], "shortlist")
    await feedback(client, enterprise, untouched, product["id"], "clear")
    return {"financed": financed, "shortlisted": shortlisted, "quoted": quoted, "untouched": untouched}
