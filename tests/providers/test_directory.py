from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories import Account, register_account, vet

PROFILE: dict[str, Any] = {
    "services": ["技改方案设计", "能效诊断"],
    "service_region_codes": ["510100", "510700"],
    "industry_codes": ["C2612"],
    "qualifications": [
        {"name": "工程设计化工石化医药行业甲级", "number": "A151000001", "valid_until": "2028-12-31"}
    ],
    "cases": [
        {
            "title": "某氯碱企业无汞化改造",
            "year": 2024,
            "amount_cny": 36_000_000,
            "region_code": "511100",
            "industry_code": "C2612",
        }
    ],
}


class TestDirectory:
    async def test_vetted_providers_with_profiles_are_listed(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        listed = await register_account(
            client, "provider", provider_types=["design_institute"], profile=PROFILE, region_code="510100"
        )
        await vet(client, admin, listed.organization_id)
        pending = await register_account(
            client, "provider", provider_types=["design_institute"], region_code="510100"
        )
        items = (await client.get("/providers", params={"region_code": "510700", "limit": 100})).json()[
            "items"
        ]
        ids = [p["id"] for p in items]
        assert listed.organization_id in ids and pending.organization_id not in ids
        entry = next(p for p in items if p["id"] == listed.organization_id)
        assert entry["profile"]["cases"][0]["title"] == "某氯碱企业无汞化改造"
        assert entry["contact_phone"] is None

    async def test_filters_by_type_and_industry(self, client: httpx.AsyncClient, admin: Account) -> None:
        design = await register_account(
            client, "provider", provider_types=["design_institute"], profile=PROFILE
        )
        build = await register_account(
            client,
            "provider",
            provider_types=["engineering_firm"],
            profile={**PROFILE, "industry_codes": ["C3011"]},
        )
        for account in (design, build):
            await vet(client, admin, account.organization_id)

        async def ids(**params: str) -> set[str]:
            response = await client.get("/providers", params={"limit": 100, **params})
            assert response.status_code == 200
            return {p["id"] for p in response.json()["items"]} & {
                design.organization_id,
                build.organization_id,
            }

        assert await ids(provider_type="engineering_firm") == {build.organization_id}
        assert await ids(industry_code="C2612") == {design.organization_id}
        assert (await client.get("/providers", params={"provider_type": "astrologer"})).status_code == 422

    async def test_profile_codes_are_checked(self, client: httpx.AsyncClient) -> None:
        bad = {**PROFILE, "cases": [{"title": "x", "year": 2024, "region_code": "999999"}]}
        payload_response = await client.post(
            "/auth/register",
            json={
                "email": "p@example.com",
                "password": "correct horse battery",
                "name": "李四",
                "organization": {
                    "name": "某设计院",
                    "kind": "provider",
                    "uscc": "91350100M000100Y43",
                    "region_code": "510100",
                    "provider_types": ["design_institute"],
                    "profile": bad,
                },
            },
        )
        assert payload_response.status_code == 422
        assert payload_response.json()["errors"][0]["loc"] == [
            "body",
            "organization",
            "profile",
            "cases",
            0,
            "region_code",
        ]

    async def test_only_providers_have_profiles(self, client: httpx.AsyncClient) -> None:
        supplier = await register_account(client, "supplier")
        response = await client.patch(
            f"/organizations/{supplier.organization_id}", headers=supplier.headers, json={"profile": PROFILE}
        )
        assert response.status_code == 422

    async def test_provider_edits_its_profile(self, client: httpx.AsyncClient) -> None:
        provider = await register_account(client, "provider", provider_types=["solution_supplier"])
        response = await client.patch(
            f"/organizations/{provider.organization_id}",
            headers=provider.headers,
            json={"profile": {**PROFILE, "services": ["MES 实施"]}},
        )
        assert response.status_code == 200
        assert response.json()["profile"]["services"] == ["MES 实施"]
