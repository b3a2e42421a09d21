"""Inputs the OpenAPI schema calls invalid are refused with a 422 naming the field, never coerced or a 500."""

from __future__ import annotations

import httpx

from tests.fixtures.factories import Account, demand_payload, financing_payload


def _fields(response: httpx.Response) -> list[list[str | int]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["loc"] for error in response.json()["errors"]]


class TestNoLaxCoercion:
    async def test_numbers_are_not_booleans_nor_booleans_numbers(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        body = demand_payload(share_with_banks=0, quantity=True)
        response = await client.post("/demands", json=body, headers=enterprise.headers)
        assert sorted(_fields(response)) == [["body", "quantity"], ["body", "share_with_banks"]]

    async def test_a_date_is_a_string_not_a_timestamp(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        response = await client.post(
            "/demands", json=demand_payload(expected_start=0), headers=enterprise.headers
        )
        assert _fields(response) == [["body", "expected_start"]]
        ok = await client.post(
            "/demands", json=demand_payload(expected_start="2027-03-01"), headers=enterprise.headers
        )
        assert ok.status_code == 201, ok.text

    async def test_rates_take_json_numbers_but_not_booleans(
        self, client: httpx.AsyncClient, bank: Account
    ) -> None:
        response = await client.post(
            "/financing-products", json=financing_payload(rate_min_pct=True), headers=bank.headers
        )
        assert _fields(response) == [["body", "rate_min_pct"]]
        ok = await client.post(
            "/financing-products", json=financing_payload(rate_min_pct=3), headers=bank.headers
        )
        assert ok.status_code == 201, ok.text


class TestNulCharacters:
    """PostgreSQL cannot store NUL in text; it used to surface as a 500."""

    async def test_in_a_body(self, client: httpx.AsyncClient, enterprise: Account) -> None:
        response = await client.post(
            "/demands", json=demand_payload(title="单晶炉\u0000"), headers=enterprise.headers
        )
        assert _fields(response) == [["body", "title"]]

    async def test_in_a_search(self, client: httpx.AsyncClient) -> None:
        assert _fields(await client.get("/search/demands", params={"q": "单晶炉\x00"})) == [["query", "q"]]

    async def test_in_a_login(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/auth/token", data={"username": "a\x00@example.com", "password": "x"})
        assert _fields(response) == [["body", "username"]]


async def test_a_body_that_is_not_utf8_is_a_422_about_the_body(
    client: httpx.AsyncClient, enterprise: Account
) -> None:
    response = await client.post(
        "/demands",
        content=b'{"title": "\xff"}',
        headers={**enterprise.headers, "Content-Type": "application/json"},
    )
    assert _fields(response) == [["body"]]


class TestWholeNumbersAndDates:
    async def test_an_integer_field_takes_a_float_without_a_fraction(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        # A client holding money as a double sends 12000000.0; JSON Schema calls that an integer.
        body = demand_payload(budget_max_cny=12_000_000.0, quantity=4.0)
        ok = await client.post("/demands", json=body, headers=enterprise.headers)
        assert ok.status_code == 201, ok.text
        assert ok.json()["budget_max_cny"] == 12_000_000 and ok.json()["quantity"] == 4
        fraction = await client.post(
            "/demands", json=demand_payload(quantity=4.5), headers=enterprise.headers
        )
        assert _fields(fraction) == [["body", "quantity"]]
        text = await client.post("/demands", json=demand_payload(quantity="4"), headers=enterprise.headers)
        assert _fields(text) == [["body", "quantity"]]

    async def test_a_date_string_is_a_calendar_date_not_a_timestamp(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        for value in ("0", "1767225600", "2027-3-1"):
            response = await client.post(
                "/demands", json=demand_payload(expected_start=value), headers=enterprise.headers
            )
            assert _fields(response) == [["body", "expected_start"]], value


async def test_a_nul_in_a_webhook_id_is_a_422(client: httpx.AsyncClient, bank: Account) -> None:
    subscription = await client.post("/lead-subscriptions", headers=bank.headers, json={"name": "x"})
    url = f"/lead-subscriptions/{subscription.json()['id']}/deliveries/msg_%00/replay"
    response = await client.post(url, headers=bank.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["path", "delivery_id"]
