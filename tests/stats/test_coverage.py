"""GET /stats/coverage: diagnosed share of 规上 enterprises against the target, plans delivered, items
turned into demands, applications by stage and granted yuan, per 市州 or per 区县, for operators in scope."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.diagnoses.test_diagnoses import ITEM, VISIT
from tests.fixtures.factories import Account, operator_account, vetted_account

DEYANG, JINGYANG, GUANGHAN, YIBIN = "510600", "510603", "510681", "511500"


async def _above_size(client: httpx.AsyncClient, admin: Account, region_code: str) -> Account:
    company = await vetted_account(client, admin, region_code=region_code, industry_code="C3825")
    profile = await client.patch(
        f"/organizations/{company.organization_id}/profile",
        json={"above_designated_size": True, "output_band": "20m_400m"},
        headers=company.headers,
    )
    assert profile.status_code == 200, profile.text
    return company


async def test_coverage_by_county_and_by_city(
    client: httpx.AsyncClient, admin: Account, db: AsyncSession
) -> None:
    officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
    visited, waiting, elsewhere = (
        await _above_size(client, admin, JINGYANG),
        await _above_size(client, admin, JINGYANG),
        await _above_size(client, admin, GUANGHAN),
    )
    await _above_size(client, admin, YIBIN)
    small = await vetted_account(client, admin, region_code=JINGYANG)  # not 规上: not counted
    assert small.organization_id
    target = await client.put(
        f"/admin/service-settings/{DEYANG}", json={"coverage_target_pct": 80}, headers=officer.headers
    )
    assert target.status_code == 200
    diagnosis = await client.post(
        "/diagnoses",
        json={"organization_id": visited.organization_id, "planned_at": "2026-11-20T09:00:00+08:00"},
        headers=officer.headers,
    )
    path = f"/diagnoses/{diagnosis.json()['id']}"
    await client.post(f"{path}/visits", json=VISIT, headers=officer.headers)
    item = (await client.post(f"{path}/plan-items", json=ITEM, headers=officer.headers)).json()
    assert (await client.post(f"{path}/deliver", headers=officer.headers)).status_code == 200
    assert (await client.post(f"/plan-items/{item['id']}/accept", headers=visited.headers)).status_code == 200
    # Planned but not yet visited: not diagnosed.
    await client.post(
        "/diagnoses",
        json={"organization_id": waiting.organization_id, "planned_at": "2026-12-20T09:00:00+08:00"},
        headers=officer.headers,
    )
    response = await client.get("/stats/coverage", headers=officer.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["region_code"] == DEYANG and body["level"] == "county"
    rows = {r["region_code"]: r for r in body["rows"]}
    jingyang = rows[JINGYANG]
    assert (jingyang["above_size_enterprises"], jingyang["diagnosed"], jingyang["diagnosed_pct"]) == (
        2,
        1,
        50.0,
    )
    assert jingyang["plans_delivered"] == 1 and jingyang["items_to_demands"] == 1
    assert jingyang["target_pct"] == 80
    assert rows[GUANGHAN]["above_size_enterprises"] == 1 and rows[GUANGHAN]["diagnosed"] == 0
    assert len(rows) == 6  # 德阳's six 区县, every one listed
    assert body["total"]["above_size_enterprises"] == 3 and body["total"]["diagnosed"] == 1
    province = await client.get("/stats/coverage", params={"region_code": "510000"}, headers=admin.headers)
    cities = {r["region_code"]: r for r in province.json()["rows"]}
    assert province.json()["level"] == "city" and len(cities) == 21
    assert cities[DEYANG]["above_size_enterprises"] == 3 and cities[YIBIN]["above_size_enterprises"] == 1
    assert cities[DEYANG]["target_pct"] == 80 and cities[YIBIN]["target_pct"] is None
    assert elsewhere.organization_id


async def test_outside_the_operators_region_is_404(
    client: httpx.AsyncClient, admin: Account, db: AsyncSession, enterprise: Account
) -> None:
    officer = await operator_account(client, db, admin, region_code=DEYANG, level="city")
    assert (
        await client.get("/stats/coverage", params={"region_code": YIBIN}, headers=officer.headers)
    ).status_code == 404
    assert (
        await client.get("/stats/coverage", params={"region_code": "510000"}, headers=officer.headers)
    ).status_code == 404
    assert (await client.get("/stats/coverage", headers=enterprise.headers)).status_code == 403
