from __future__ import annotations

import itertools
import time
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.main import create_app
from app.models.account import RateLimitBucket, User
from app.models.base import utcnow
from tests.fixtures.factories import PASSWORD, admin_account, register_account, registration


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

    async def test_failures_are_throttled_per_account_and_client(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register_account(client)
        for _ in range(settings.login_max_failures_per_account_and_client):
            r = await client.post(
                "/auth/token", data={"username": account.email, "password": "wrong password!"}
            )
            assert r.status_code == 401
        blocked = await client.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        assert blocked.status_code == 429
        assert 0 < int(blocked.headers["retry-after"]) <= settings.login_backoff_base_seconds
        assert blocked.headers["content-type"].startswith("application/problem+json")

    async def test_unknown_email_is_throttled_the_same_way(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        for _ in range(settings.login_max_failures_per_account_and_client):
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
        for _ in range(settings.login_max_failures_per_account_and_client - 1):
            await client.post("/auth/token", data={"username": account.email, "password": "wrong password!"})
        assert (
            await client.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        ).status_code == 200
        for _ in range(settings.login_max_failures_per_account_and_client - 1):
            await client.post("/auth/token", data={"username": account.email, "password": "wrong password!"})
        assert (
            await client.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        ).status_code == 200


def _from(app: FastAPI, host: str, **headers: str) -> httpx.AsyncClient:
    """A client of the same app calling from another address."""
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test/api/v1", headers=headers)


async def _fail(client: httpx.AsyncClient, email: str, times: int) -> list[int]:
    return [
        (
            await client.post("/auth/token", data={"username": email, "password": "wrong password!"})
        ).status_code
        for _ in range(times)
    ]


class TestLoginThrottleCannotBeTurnedOnTheUser:
    async def test_anonymous_failures_elsewhere_do_not_lock_the_admin_out(
        self, app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
    ) -> None:
        admin = await admin_account(client, db)
        async with _from(app, "198.51.100.66") as attacker:
            statuses = await _fail(attacker, admin.email, 6)
        assert statuses[:5] == [401] * 5 and statuses[5] == 429
        # The admin, from its own address, logs in at once.
        ok = await client.post("/auth/token", data={"username": admin.email, "password": PASSWORD})
        assert ok.status_code == 200, ok.text

    async def test_the_wait_doubles_with_each_failure_beyond_the_limit(
        self, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
    ) -> None:
        account = await register_account(client)
        limit, base = settings.login_max_failures_per_account_and_client, settings.login_backoff_base_seconds
        assert await _fail(client, account.email, limit) == [401] * limit
        waits = []
        for _ in range(3):
            blocked = await client.post("/auth/token", data={"username": account.email, "password": "x" * 12})
            assert blocked.status_code == 429
            waits.append(int(blocked.headers["retry-after"]))
            # The wait is over (as if that long had passed): the next failure doubles it.
            await db.execute(update(RateLimitBucket).values(blocked_until=utcnow() - timedelta(seconds=1)))
            assert await _fail(client, account.email, 1) == [401]
        assert [base - 2 <= w <= base for w in waits[:1]] == [True]
        assert all(2 * earlier - 2 <= later <= 2 * earlier for earlier, later in itertools.pairwise(waits))

    async def test_many_addresses_on_one_account_are_throttled_too(
        self, app: FastAPI, client: httpx.AsyncClient, settings: Settings, sessionmaker: Any
    ) -> None:
        strict = create_app(
            settings.model_copy(update={"login_max_failures_per_account": 8}), sessionmaker=sessionmaker
        )
        account = await register_account(client)
        for n in range(4):  # four addresses, two failures each: under every per-address limit
            async with _from(strict, f"198.51.100.{n + 1}") as guesser:
                assert await _fail(guesser, account.email, 2) == [401, 401]
        async with _from(strict, "198.51.100.99") as fresh:
            blocked = await fresh.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        assert blocked.status_code == 429

    async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
        self, client: httpx.AsyncClient, settings: Settings, sessionmaker: Any
    ) -> None:
        account = await register_account(client)
        limit = settings.login_max_failures_per_account_and_client
        proxied = create_app(
            settings.model_copy(update={"trusted_proxies": ["203.0.113.0/24"]}), sessionmaker=sessionmaker
        )
        # Through the trusted proxy, each real client has its own counter.
        async with _from(proxied, "203.0.113.10", **{"X-Forwarded-For": "192.0.2.1"}) as one:
            assert await _fail(one, account.email, limit + 1) == [401] * limit + [429]
        async with _from(proxied, "203.0.113.10", **{"X-Forwarded-For": "192.0.2.2, 203.0.113.9"}) as two:
            ok = await two.post("/auth/token", data={"username": account.email, "password": PASSWORD})
            assert ok.status_code == 200, ok.text
        # From an untrusted peer the header is ignored: forging it does not escape the count.
        async with _from(proxied, "198.51.100.200", **{"X-Forwarded-For": "192.0.2.77"}) as forger:
            assert await _fail(forger, account.email, limit) == [401] * limit
        async with _from(proxied, "198.51.100.200", **{"X-Forwarded-For": "192.0.2.78"}) as forger:
            again = await forger.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        assert again.status_code == 429

    async def test_ipv6_clients_count_by_their_64(
        self, app: FastAPI, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register_account(client)
        limit = settings.login_max_failures_per_account_and_client
        async with _from(app, "2001:db8:1:2::5") as first:
            assert await _fail(first, account.email, limit) == [401] * limit
        async with _from(app, "2001:db8:1:2:ffff::9") as same_64:
            same = await same_64.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        assert same.status_code == 429
        async with _from(app, "2001:db8:1:3::5") as other_64:
            other = await other_64.post("/auth/token", data={"username": account.email, "password": PASSWORD})
        assert other.status_code == 200

    async def test_missing_form_field_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/auth/token", data={"username": "a@example.com"})
        assert response.status_code == 422
        assert ["body", "password"] in [e["loc"] for e in response.json()["errors"]]


class TestRegistrationThrottle:
    async def test_registrations_are_throttled_per_address_and_failures_count(
        self, client: httpx.AsyncClient, settings: Settings, sessionmaker: Any, db: AsyncSession
    ) -> None:
        strict = create_app(
            settings.model_copy(update={"registrations_per_client_per_hour": 3}), sessionmaker=sessionmaker
        )
        bad = registration()
        bad["organization"]["region_code"] = "999999"  # 422: refused, but it still counts
        async with _from(strict, "198.51.100.20") as one:
            answers = [
                await one.post("/auth/register", json=p) for p in (registration(), bad, registration())
            ]
            assert [a.status_code for a in answers] == [201, 422, 201]
            before = await db.scalar(select(func.count()).select_from(User))
            blocked = await one.post("/auth/register", json=registration())
            assert blocked.status_code == 429 and 0 < int(blocked.headers["retry-after"]) <= 3600
            assert await db.scalar(select(func.count()).select_from(User)) == before
        async with _from(strict, "198.51.100.21") as other:
            assert (await other.post("/auth/register", json=registration())).status_code == 201


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
            else jwt.encode(claims, "", algorithm="none")  # PyJWT takes "" as no key
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
        assert (await client.post("/auth/logout", headers=account.headers, json={})).status_code == 204
        assert (await client.get("/me", headers=account.headers)).status_code == 401
        refreshed = await client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
        assert refreshed.status_code == 401
