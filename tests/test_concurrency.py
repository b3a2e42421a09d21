"""Parallel requests on committed data (a database of its own, a real connection pool): the guarantees
that only hold if the locking is right."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from tests.fixtures.factories import admin_account, create_demand, registration, vetted_account


@pytest.fixture
async def live_client(migrated_scratch_database: str, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    engine = make_engine(migrated_scratch_database, pool_size=10)
    sessionmaker = make_sessionmaker(engine)
    app = create_app(
        settings.model_copy(update={"database_url": migrated_scratch_database}), sessionmaker=sessionmaker
    )
    app.state.admin_sessionmaker = sessionmaker
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client
    await engine.dispose()


async def test_parallel_wrong_passwords_cannot_slip_under_the_limit(
    live_client: httpx.AsyncClient, settings: Settings
) -> None:
    payload = registration()
    assert (await live_client.post("/auth/register", json=payload)).status_code == 201
    guesses = [
        live_client.post("/auth/token", data={"username": payload["email"], "password": f"guess-{i:04d}x"})
        for i in range(3 * settings.login_max_failures_per_account)
    ]
    statuses = [r.status_code for r in await asyncio.gather(*guesses)]
    assert statuses.count(401) <= settings.login_max_failures_per_account
    assert statuses.count(429) >= 2 * settings.login_max_failures_per_account


async def test_parallel_edits_with_one_etag_let_exactly_one_through(live_client: httpx.AsyncClient) -> None:
    async with live_client.app.state.admin_sessionmaker() as db:  # type: ignore[attr-defined]
        admin = await admin_account(live_client, db)
    enterprise = await vetted_account(live_client, admin, "enterprise")
    demand = await create_demand(live_client, enterprise)
    url = f"/demands/{demand['id']}"
    etag = (await live_client.get(url, headers=enterprise.headers)).headers["etag"]
    edits = [
        live_client.patch(url, headers={**enterprise.headers, "If-Match": etag}, json={"quantity": n})
        for n in range(1, 6)
    ]
    statuses = sorted(r.status_code for r in await asyncio.gather(*edits))
    assert statuses == [200, 412, 412, 412, 412]
    final = (await live_client.get(url, headers=enterprise.headers)).json()
    assert final["quantity"] in range(1, 6)


async def test_parallel_saved_searches_cannot_pass_the_unvetted_cap(live_client: httpx.AsyncClient) -> None:
    payload = registration("supplier")
    assert (await live_client.post("/auth/register", json=payload)).status_code == 201
    token = (
        await live_client.post(
            "/auth/token", data={"username": payload["email"], "password": payload["password"]}
        )
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    cap = live_client.app.state.settings.saved_searches_per_unvetted_organization  # type: ignore[attr-defined]
    creates = [
        live_client.post("/saved-searches", headers=headers, json={"name": f"搜索{i}", "q": "机床"})
        for i in range(cap + 5)
    ]
    statuses = sorted(r.status_code for r in await asyncio.gather(*creates))
    assert statuses == [201] * cap + [409] * 5
    listed = (await live_client.get("/saved-searches", headers=headers)).json()["items"]
    assert len(listed) == cap


async def test_parallel_uploads_cannot_pass_the_files_cap(live_client: httpx.AsyncClient) -> None:
    from tests.attachments import files

    app = live_client.app  # type: ignore[attr-defined]
    app.state.settings.attachments_per_parent = 3
    async with app.state.admin_sessionmaker() as db:
        admin = await admin_account(live_client, db)
    enterprise = await vetted_account(live_client, admin, "enterprise")
    demand = await create_demand(live_client, enterprise)
    uploads = [
        live_client.post(
            f"/demands/{demand['id']}/attachments",
            headers=enterprise.headers,
            files={"file": (f"图纸{i}.pdf", files.pdf(), "application/pdf")},
        )
        for i in range(6)
    ]
    statuses = sorted(r.status_code for r in await asyncio.gather(*uploads))
    assert statuses == [201, 201, 201, 409, 409, 409]
    listed = await live_client.get(f"/demands/{demand['id']}/attachments", headers=enterprise.headers)
    assert len(listed.json()["items"]) == 3
