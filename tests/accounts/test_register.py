from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Organization, User
from tests.fixtures.factories import make_uscc, registration


async def _count(db: AsyncSession, model: type) -> int:
    return (await db.execute(select(func.count()).select_from(model))).scalar_one()


class TestRegister:
    async def test_creates_user_and_pending_organization(
        self, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        payload = registration("supplier", industry_code="C3825")
        response = await client.post("/auth/register", json=payload)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["user"]["email"] == payload["email"]
        assert body["organization"]["kind"] == "supplier"
        assert body["organization"]["vetting_status"] == "pending"
        stored = await db.scalar(select(User).where(User.email == payload["email"]))
        assert stored is not None and stored.password_hash.startswith("$argon2id$")

    async def test_email_is_normalised_and_unique_without_revealing_the_account(
        self, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        payload = registration()
        first = await client.post("/auth/register", json=payload)
        assert first.status_code == 201
        users, orgs = await _count(db, User), await _count(db, Organization)
        again = registration()
        again["email"] = payload["email"].upper()
        fresh = registration()
        taken, new = (
            await client.post("/auth/register", json=again),
            await client.post("/auth/register", json=fresh),
        )
        # The same answer as a new email: status, headers that matter, and the shape of the body.
        assert taken.status_code == new.status_code == 201, taken.text
        assert taken.headers["location"].startswith("/api/v1/organizations/")
        assert set(taken.json()) == set(new.json())
        assert set(taken.json()["organization"]) == set(new.json()["organization"])
        assert taken.json()["user"]["email"] == payload["email"].lower()
        assert taken.json()["organization"]["vetting_status"] == "pending"
        # Nothing was created for the taken email (only the fresh registration added a user and an org).
        assert (await _count(db, User), await _count(db, Organization)) == (users + 1, orgs + 1)
        assert (
            await db.scalar(select(User.name).where(User.email == payload["email"].lower()))
            == (payload["name"])
        )
        # Its ids lead nowhere, and the password it was sent does not log in.
        assert (await client.get(taken.headers["location"][len("/api/v1") :])).status_code == 404
        login = await client.post(
            "/auth/token", data={"username": again["email"], "password": again["password"] + "x"}
        )
        assert login.status_code == 401
        # The real account's organization is told someone tried.
        token = (
            await client.post(
                "/auth/token", data={"username": payload["email"], "password": payload["password"]}
            )
        ).json()["access_token"]
        notes = (await client.get("/notifications", headers={"Authorization": f"Bearer {token}"})).json()
        assert [n["kind"] for n in notes["items"]] == ["registration_attempt"]

    async def test_a_taken_email_with_a_taken_uscc_still_gets_the_uscc_conflict(
        self, client: httpx.AsyncClient
    ) -> None:
        payload = registration()
        assert (await client.post("/auth/register", json=payload)).status_code == 201
        other = registration()
        both = {**registration(), "email": payload["email"]}
        both["organization"]["uscc"] = payload["organization"]["uscc"]
        other["organization"]["uscc"] = payload["organization"]["uscc"]
        answers = [await client.post("/auth/register", json=p) for p in (both, other)]
        assert [a.status_code for a in answers] == [409, 409]
        assert answers[0].json() == answers[1].json()

    async def test_provider_gives_provider_types(self, client: httpx.AsyncClient) -> None:
        payload = registration("provider", provider_types=["design_institute", "engineering_firm"])
        response = await client.post("/auth/register", json=payload)
        assert response.status_code == 201
        assert response.json()["organization"]["provider_types"] == ["design_institute", "engineering_firm"]

    async def test_admin_kind_cannot_be_registered(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/auth/register", json=registration("admin"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "organization", "kind"]


class TestRegisterBadInput:
    async def _rejected(
        self,
        client: httpx.AsyncClient,
        db: AsyncSession,
        payload: object,
        loc: list[object],
        status: int = 422,
    ) -> dict[str, Any]:
        users, orgs = await _count(db, User), await _count(db, Organization)
        # The English messages are pinned here; Chinese, the default, in tests/test_client_manners.py.
        response = await client.post("/auth/register", json=payload, headers={"Accept-Language": "en"})
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == status and body["title"] and body["type"] and body["detail"]
        assert loc in [e["loc"] for e in body["errors"]], body
        # Nothing half-written.
        assert (await _count(db, User), await _count(db, Organization)) == (users, orgs)
        result: dict[str, Any] = body
        return result

    async def test_bad_uscc_check_character(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        good = make_uscc()
        last = "0" if good[-1] != "0" else "1"
        payload = registration(uscc=good[:-1] + last)
        body = await self._rejected(client, db, payload, ["body", "organization", "uscc"])
        assert "position 18" in body["errors"][0]["msg"]

    async def test_bad_embedded_organization_code(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        good = make_uscc()
        bad_org_check = "0" if good[16] != "0" else "1"
        payload = registration(uscc=good[:16] + bad_org_check + good[17])
        body = await self._rejected(client, db, payload, ["body", "organization", "uscc"])
        assert "GB 11714" in body["errors"][0]["msg"]

    async def test_uscc_with_forbidden_letters(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        await self._rejected(
            client, db, registration(uscc="91510100MA6IOSVZ1X"), ["body", "organization", "uscc"]
        )

    async def test_duplicate_uscc_is_a_conflict_on_that_field(
        self, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        first = registration()
        assert (await client.post("/auth/register", json=first)).status_code == 201
        second = registration(uscc=first["organization"]["uscc"].lower())
        await self._rejected(client, db, second, ["body", "organization", "uscc"], status=409)

    async def test_unknown_region_code(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        await self._rejected(
            client, db, registration(region_code="110100"), ["body", "organization", "region_code"]
        )

    async def test_unknown_industry_code(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        await self._rejected(
            client, db, registration(industry_code="C9999"), ["body", "organization", "industry_code"]
        )

    async def test_provider_without_types(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        await self._rejected(
            client,
            db,
            registration("provider", provider_types=[]),
            ["body", "organization", "provider_types"],
        )

    async def test_types_on_a_non_provider(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        await self._rejected(
            client,
            db,
            registration("bank", provider_types=["design_institute"]),
            ["body", "organization", "provider_types"],
        )

    async def test_unknown_field(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        payload = registration()
        payload["organization"]["vetting_status"] = "vetted"
        await self._rejected(client, db, payload, ["body", "organization", "vetting_status"])

    async def test_wrong_type(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        payload = registration()
        payload["password"] = 1234567890123
        await self._rejected(client, db, payload, ["body", "password"])

    async def test_short_password(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        payload = registration()
        payload["password"] = "short"
        await self._rejected(client, db, payload, ["body", "password"])

    async def test_over_long_name(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        await self._rejected(client, db, registration(name="厂" * 201), ["body", "organization", "name"])

    async def test_bad_email(self, client: httpx.AsyncClient, db: AsyncSession) -> None:
        payload = registration()
        payload["email"] = "not-an-email"
        await self._rejected(client, db, payload, ["body", "email"])

    async def test_malformed_json(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/auth/register", content=b'{"email": "a@b.c", ', headers={"content-type": "application/json"}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"][0] == "body"

    async def test_oversize_body(self, client: httpx.AsyncClient) -> None:
        payload = registration(description="设" * 400_000)
        response = await client.post("/auth/register", json=payload)
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("application/problem+json")

    async def test_oversize_body_without_content_length(self, client: httpx.AsyncClient) -> None:
        async def chunks() -> AsyncIterator[bytes]:  # streamed: no Content-Length header to trust
            for _ in range(20):
                yield b" " * 100_000

        response = await client.post(
            "/auth/register", content=chunks(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
