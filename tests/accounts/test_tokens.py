from __future__ import annotations

import time

import httpx
import jwt
import pytest

from app.config import Settings
from tests.fixtures.factories import PASSWORD, register_account, registration


class TestLogin:
    async def test_returns_bearer_pair_with_checked_claims(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register_account(client)
        claims = jwt.decode(
            account.access_token,
            settings.signing_key,
            algorithms=["HS256"],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
        )
        assert claims["sub"] == account.user_id
        assert claims["exp"] - claims["iat"] == settings.access_token_ttl_seconds
        me = await client.get("/me", headers=account.headers)
        assert me.status_code == 200
        assert me.json()["organization"]["id"] == account.organization_id

    async def test_wrong_password_and_unknown_email_look_the_same(self, client: httpx.AsyncClient) -> None:
        account = await register_account(client)
        wrong = await client.post(
            "/auth/token", data={"username": account.email, "password": "wrong password!"}
        )
        unknown = await client.post(
            "/auth/token", data={"username": "nobody@example.com", "password": PASSWORD}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()

    async def test_failures_are_throttled_per_account(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register_account(client)
        for _ in range(settings.login_max_failures_per_account):
            r = await client.post(
                "/auth/token", data={"username": account.email, "password": "wrong password!"}
            )
            assert r.status_code == 401
        blocked = await client.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        assert blocked.status_code == 429
        assert 0 < int(blocked.headers["retry-after"]) <= settings.login_failure_window_seconds
        assert blocked.headers["content-type"].startswith("application/problem+json")

    async def test_unknown_email_is_throttled_the_same_way(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        for _ in range(settings.login_max_failures_per_account):
            await client.post("/auth/token", data={"username": "ghost@example.com", "password": "x" * 12})
        blocked = await client.post(
            "/auth/token", data={"username": "ghost@example.com", "password": "x" * 12}
        )
        assert blocked.status_code == 429

    async def test_failures_are_throttled_per_client(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register_account(client)
        for i in range(settings.login_max_failures_per_client):
            await client.post("/auth/token", data={"username": f"guess{i}@example.com", "password": "x" * 12})
        # Right password, fresh account, but this client address has used up its failures.
        blocked = await client.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        assert blocked.status_code == 429

    async def test_success_resets_the_account_counter(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register_account(client)
        for _ in range(settings.login_max_failures_per_account - 1):
            await client.post("/auth/token", data={"username": account.email, "password": "wrong password!"})
        assert (
            await client.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        ).status_code == 200
        for _ in range(settings.login_max_failures_per_account - 1):
            await client.post("/auth/token", data={"username": account.email, "password": "wrong password!"})
        assert (
            await client.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        ).status_code == 200

    async def test_missing_form_field_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/auth/token", data={"username": "a@example.com"})
        assert response.status_code == 422
        assert ["body", "password"] in [e["loc"] for e in response.json()["errors"]]


class TestAccessToken:
    @pytest.mark.parametrize("mutate", ["wrong_key", "wrong_audience", "wrong_issuer", "expired", "none_alg"])
    async def test_tampered_tokens_are_refused(
        self, client: httpx.AsyncClient, settings: Settings, mutate: str
    ) -> None:
        account = await register_account(client)
        claims = jwt.decode(
            account.access_token,
            settings.signing_key,
            algorithms=["HS256"],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
        )
        key, alg = settings.signing_key, "HS256"
        if mutate == "wrong_key":
            key = "another-secret-key-" + "y" * 32
        elif mutate == "wrong_audience":
            claims["aud"] = "someone-else"
        elif mutate == "wrong_issuer":
            claims["iss"] = "someone-else"
        elif mutate == "expired":
            claims["iat"], claims["exp"] = int(time.time()) - 3600, int(time.time()) - 60
        token = (
            jwt.encode(claims, key, algorithm=alg)
            if mutate != "none_alg"
            else jwt.encode(claims, None, algorithm="none")
        )
        response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_missing_token_is_401_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/me")
        assert response.status_code == 401
        assert response.json()["status"] == 401


class TestRefresh:
    async def test_rotation_kills_the_old_token(self, client: httpx.AsyncClient) -> None:
        account = await register_account(client)
        first = await client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
        assert first.status_code == 200
        pair = first.json()
        assert pair["refresh_token"] != account.refresh_token
        assert pair["token_type"] == "bearer" and pair["expires_in"] > 0
        replay = await client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
        assert replay.status_code == 401

    async def test_replaying_a_used_token_revokes_the_whole_family(self, client: httpx.AsyncClient) -> None:
        account = await register_account(client)
        new_pair = (await client.post("/auth/refresh", json={"refresh_token": account.refresh_token})).json()
        # An attacker replays the stolen, already-used token...
        assert (
            await client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
        ).status_code == 401
        # ...and the legitimate holder's newer tokens die with it.
        assert (
            await client.post("/auth/refresh", json={"refresh_token": new_pair["refresh_token"]})
        ).status_code == 401
        me = await client.get("/me", headers={"Authorization": f"Bearer {new_pair['access_token']}"})
        assert me.status_code == 401

    async def test_other_sessions_survive_a_revoked_family(self, client: httpx.AsyncClient) -> None:
        payload = registration()
        await client.post("/auth/register", json=payload)
        phone = (
            await client.post("/auth/token", data={"username": payload["email"], "password": PASSWORD})
        ).json()
        tablet = (
            await client.post("/auth/token", data={"username": payload["email"], "password": PASSWORD})
        ).json()
        await client.post("/auth/refresh", json={"refresh_token": phone["refresh_token"]})
        await client.post("/auth/refresh", json={"refresh_token": phone["refresh_token"]})  # reuse
        me = await client.get("/me", headers={"Authorization": f"Bearer {tablet['access_token']}"})
        assert me.status_code == 200

    async def test_unknown_refresh_token(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/auth/refresh", json={"refresh_token": "not-a-token"})
        assert response.status_code == 401


class TestLogout:
    async def test_logout_ends_access_and_refresh(self, client: httpx.AsyncClient) -> None:
        account = await register_account(client)
        assert (await client.post("/auth/logout", headers=account.headers)).status_code == 204
        assert (await client.get("/me", headers=account.headers)).status_code == 401
        refreshed = await client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
        assert refreshed.status_code == 401
