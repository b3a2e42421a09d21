"""Hot read paths build plain dicts for speed; their bodies must still match the documented models."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.demands.schemas import DemandList, DemandOut
from app.products.schemas import ProductList, ProductOut
from tests.fixtures.factories import admin_account, listed_product, published_demand, vetted_account


async def test_demand_and_product_bodies_match_their_models(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    admin = await admin_account(client, db)
    enterprise = await vetted_account(client, admin, "enterprise")
    supplier = await vetted_account(client, admin, "supplier")
    demand = await published_demand(client, enterprise)
    product = await listed_product(client, supplier, admin)
    for headers in ({}, enterprise.headers, admin.headers):
        one = (await client.get(f"/demands/{demand['id']}", headers=headers)).json()
        DemandOut.model_validate(one, strict=False)
        DemandList.model_validate((await client.get("/demands", headers=headers)).json())
    mine = (await client.get(f"/demands/{demand['id']}", headers=enterprise.headers)).json()
    assert set(mine) == set(DemandOut.model_fields)
    assert mine["created_at"].endswith("Z") and mine["expected_start"] is None
    for headers in ({}, supplier.headers):
        ProductOut.model_validate((await client.get(f"/products/{product['id']}", headers=headers)).json())
        ProductList.model_validate((await client.get("/products", headers=headers)).json())
    assert set(product) == set(ProductOut.model_fields)
