"""The live notification stream, on two real API processes sharing one database.

Notifications must really commit for PostgreSQL to NOTIFY, so these tests cannot use the suite's
rolled-back transaction: they talk over sockets to two `python -m app serve` processes on a database of
their own. The stream is opened on one process and the change that notifies is made through the other.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import MigratedDatabase
from tests.fixtures.factories import (
    Account,
    demand_payload,
    login,
    register_account,
    unique_email,
    vet,
)
from tests.fixtures.live import LiveServer, live_server, logged_errors

STREAMS_PER_USER = 3


@dataclass
class Pair:
    """Two API processes on one database, and the demo admin's email."""

    a: LiveServer
    b: LiveServer
    short: LiveServer  # issues 2-second access tokens and recycles streams after 3 s
    admin_email: str


@pytest.fixture(scope="module")
def pair(migrated_database: MigratedDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    admin_email = unique_email("admin")
    with migrated_database(admin_email) as url:
        workdir = tmp_path_factory.mktemp("stream-servers")
        env = {
            "NOTIFICATION_STREAMS_PER_USER": str(STREAMS_PER_USER),
            "NOTIFICATION_HEARTBEAT_SECONDS": "1",
            "NOTIFICATION_STREAM_MAX_SECONDS": "60",
        }
        short_env = {**env, "ACCESS_TOKEN_TTL_SECONDS": "2", "NOTIFICATION_STREAM_MAX_SECONDS": "3"}
        with (
            live_server(url, workdir, **env) as a,
            live_server(url, workdir, **env) as b,
            live_server(url, workdir, **short_env) as short,
        ):
            yield Pair(a=a, b=b, short=short, admin_email=admin_email)
        errors = logged_errors(a) + logged_errors(b) + logged_errors(short)
        assert not errors, "\n".join(errors[:20])


@dataclass
class Event:
    event: str
    id: str | None
    data: str


@dataclass
class Stream:
    """An open SSE response, read line by line with a deadline per event."""

    response: httpx.Response
    lines: AsyncIterator[str]
    comments: list[str] = field(default_factory=list)

    async def next_event(self, timeout: float = 5.0) -> Event:  # noqa: ASYNC109
        fields: dict[str, str] = {}
        async with asyncio.timeout(timeout):
            async for line in self.lines:
                if line == "":
                    if fields:
                        return Event(fields.get("event", "message"), fields.get("id"), fields.get("data", ""))
                    continue
                if line.startswith(":"):
                    self.comments.append(line)
                    continue
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        raise AssertionError("the stream ended")

    async def comment(self, timeout: float) -> str:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            async for line in self.lines:
                if line.startswith(":"):
                    return line
        raise AssertionError("the stream ended")


@asynccontextmanager
async def open_stream(client: httpx.AsyncClient, account: Account, **headers: str) -> AsyncIterator[Stream]:
    async with client.stream(
        "GET", "/notifications/stream", headers={**account.headers, **headers}
    ) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Stream(response=response, lines=response.aiter_lines())


@pytest.fixture
async def client_a(pair: Pair) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=pair.a.api, timeout=10) as client:
        yield client


@pytest.fixture
async def client_b(pair: Pair) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=pair.b.api, timeout=10) as client:
        yield client


async def _vetted(client: httpx.AsyncClient, pair: Pair, kind: str) -> Account:
    account = await register_account(client, kind)
    tokens = await login(client, pair.admin_email)
    admin = Account(pair.admin_email, "", "", tokens["access_token"], tokens["refresh_token"])
    await vet(client, admin, account.organization_id)
    return account


async def _published_demand(client: httpx.AsyncClient, owner: Account) -> str:
    created = await client.post("/demands", json=demand_payload(), headers=owner.headers)
    assert created.status_code == 201, created.text
    published = await client.post(f"/demands/{created.json()['id']}/publish", headers=owner.headers)
    assert published.status_code == 200, published.text
    demand_id: str = created.json()["id"]
    return demand_id


async def _quote(client: httpx.AsyncClient, supplier: Account, demand_id: str) -> str:
    response = await client.post(
        f"/demands/{demand_id}/quotes",
        headers=supplier.headers,
        json={"price_cny": 9_000_000, "delivery_days": 60, "message": "含安装调试"},
    )
    assert response.status_code == 201, response.text
    quote_id: str = response.json()["id"]
    return quote_id


async def _new_quote_ids(stream: Stream, *, count: int, already: set[str]) -> list[str]:
    """The quotes of the next `count` events not yet seen, as a client de-duplicating by id reads them
    (a resumed stream sends the few seconds before its Last-Event-ID again)."""
    found: list[str] = []
    while len(found) < count:
        event = await stream.next_event()
        assert event.id is not None
        if event.id in already:
            continue
        already.add(event.id)
        data = httpx.Response(200, content=event.data).json()["data"]
        if data.get("quote_id"):
            found.append(data["quote_id"])
    return found


class TestLivePush:
    async def test_a_quote_made_through_one_process_reaches_a_stream_on_the_other(
        self, pair: Pair, client_a: httpx.AsyncClient, client_b: httpx.AsyncClient
    ) -> None:
        enterprise = await _vetted(client_a, pair, "enterprise")
        supplier = await _vetted(client_b, pair, "supplier")
        demand_id = await _published_demand(client_a, enterprise)
        async with open_stream(client_a, enterprise) as stream:
            started = time.monotonic()
            quote_id = await _quote(client_b, supplier, demand_id)
            event = await stream.next_event(timeout=2.0)
            latency = time.monotonic() - started
        assert event.event == "notification"
        listed = (await client_b.get("/notifications", headers=enterprise.headers)).json()["items"][0]
        assert event.id == listed["id"]
        assert httpx.Response(200, content=event.data).json() == listed
        assert listed["kind"] == "quote_received" and listed["data"]["quote_id"] == quote_id
        assert latency < 2.0

    async def test_a_stream_sees_only_its_own_organizations_notifications(
        self, pair: Pair, client_a: httpx.AsyncClient, client_b: httpx.AsyncClient
    ) -> None:
        watcher = await _vetted(client_a, pair, "enterprise")
        other = await _vetted(client_a, pair, "enterprise")
        supplier = await _vetted(client_b, pair, "supplier")
        others_demand = await _published_demand(client_a, other)
        own_demand = await _published_demand(client_a, watcher)
        async with open_stream(client_a, watcher) as stream:
            await _quote(client_b, supplier, others_demand)
            own_quote = await _quote(client_b, supplier, own_demand)
            event = await stream.next_event()
        assert httpx.Response(200, content=event.data).json()["data"]["quote_id"] == own_quote

    async def test_idle_streams_get_a_heartbeat_comment(
        self, pair: Pair, client_a: httpx.AsyncClient
    ) -> None:
        enterprise = await _vetted(client_a, pair, "enterprise")
        async with open_stream(client_a, enterprise) as stream:
            assert (await stream.comment(timeout=3.0)).startswith(":")


class TestResume:
    async def test_last_event_id_sends_what_was_missed_in_order(
        self, pair: Pair, client_a: httpx.AsyncClient, client_b: httpx.AsyncClient
    ) -> None:
        enterprise = await _vetted(client_a, pair, "enterprise")
        suppliers = [await _vetted(client_b, pair, "supplier") for _ in range(3)]
        demand_id = await _published_demand(client_a, enterprise)
        async with open_stream(client_a, enterprise) as stream:
            await _quote(client_b, suppliers[0], demand_id)
            first = await stream.next_event()
        missed = [await _quote(client_b, s, demand_id) for s in suppliers[1:]]
        assert first.id is not None
        async with open_stream(client_b, enterprise, **{"Last-Event-ID": first.id}) as stream:
            quote_ids = await _new_quote_ids(stream, count=2, already={first.id})
        assert quote_ids == missed

    async def test_a_new_stream_without_last_event_id_does_not_replay_old_ones(
        self, pair: Pair, client_a: httpx.AsyncClient, client_b: httpx.AsyncClient
    ) -> None:
        enterprise = await _vetted(client_a, pair, "enterprise")
        suppliers = [await _vetted(client_b, pair, "supplier") for _ in range(2)]
        demand_id = await _published_demand(client_a, enterprise)
        await _quote(client_b, suppliers[0], demand_id)
        async with open_stream(client_a, enterprise) as stream:
            fresh = await _quote(client_b, suppliers[1], demand_id)
            event = await stream.next_event()
        assert httpx.Response(200, content=event.data).json()["data"]["quote_id"] == fresh

    async def test_another_organizations_event_id_resumes_nothing_of_theirs(
        self, pair: Pair, client_a: httpx.AsyncClient, client_b: httpx.AsyncClient
    ) -> None:
        watcher = await _vetted(client_a, pair, "enterprise")
        other = await _vetted(client_a, pair, "enterprise")
        supplier = await _vetted(client_b, pair, "supplier")
        await _quote(client_b, supplier, await _published_demand(client_a, other))
        foreign = (await client_a.get("/notifications", headers=other.headers)).json()["items"][0]["id"]
        own_demand = await _published_demand(client_a, watcher)
        async with open_stream(client_a, watcher, **{"Last-Event-ID": foreign}) as stream:
            own_quote = await _quote(client_b, supplier, own_demand)
            event = await stream.next_event()
        assert httpx.Response(200, content=event.data).json()["data"]["quote_id"] == own_quote

    async def test_a_malformed_last_event_id_is_a_422_naming_the_header(
        self, pair: Pair, client_a: httpx.AsyncClient
    ) -> None:
        enterprise = await _vetted(client_a, pair, "enterprise")
        response = await client_a.get(
            "/notifications/stream", headers={**enterprise.headers, "Last-Event-ID": "not-an-id"}
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == ["header", "Last-Event-ID"]


class TestStreamLifetime:
    async def test_a_stream_ends_when_its_token_expires_with_a_reauthenticate_event(
        self, pair: Pair, client_a: httpx.AsyncClient
    ) -> None:
        account = await _vetted(client_a, pair, "enterprise")
        async with httpx.AsyncClient(base_url=pair.short.api, timeout=10) as short:
            tokens = await login(short, account.email)  # a token of 2 seconds
            fresh = Account(
                account.email, account.user_id, account.organization_id, tokens["access_token"], ""
            )
            started = time.monotonic()
            async with open_stream(short, fresh) as stream:
                event = await stream.next_event(timeout=8.0)
        assert event.event == "reauthenticate"
        assert 1.0 < time.monotonic() - started < 4.0

    async def test_a_recycled_stream_resumes_with_last_event_id_and_loses_nothing(
        self, pair: Pair, client_a: httpx.AsyncClient, client_b: httpx.AsyncClient
    ) -> None:
        enterprise = await _vetted(client_a, pair, "enterprise")
        suppliers = [await _vetted(client_b, pair, "supplier") for _ in range(2)]
        demand_id = await _published_demand(client_a, enterprise)
        async with httpx.AsyncClient(base_url=pair.short.api, timeout=10) as short:
            async with open_stream(short, enterprise) as stream:
                first_quote = await _quote(client_b, suppliers[0], demand_id)
                first = await stream.next_event()
                with pytest.raises(AssertionError, match="the stream ended"):
                    await stream.next_event(timeout=6.0)  # recycled after 3 s, no reauthenticate
            second_quote = await _quote(client_b, suppliers[1], demand_id)
            assert first.id is not None
            async with open_stream(short, enterprise, **{"Last-Event-ID": first.id}) as stream:
                resumed = await _new_quote_ids(stream, count=1, already={first.id})
        assert [httpx.Response(200, content=first.data).json()["data"]["quote_id"], *resumed] == [
            first_quote,
            second_quote,
        ]


class TestLimits:
    async def test_without_a_token_the_stream_is_a_401_problem(self, client_a: httpx.AsyncClient) -> None:
        response = await client_a.get("/notifications/stream")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_one_account_gets_a_few_streams_then_429_and_closing_one_frees_its_place(
        self, pair: Pair, client_a: httpx.AsyncClient
    ) -> None:
        enterprise = await _vetted(client_a, pair, "enterprise")
        opened: list[Any] = []
        try:
            for _ in range(STREAMS_PER_USER):
                context = open_stream(client_a, enterprise)
                await context.__aenter__()
                opened.append(context)
            # A burst of many more attempts at once: every one refused, none left hanging.
            async with httpx.AsyncClient(
                base_url=pair.a.api, timeout=20, limits=httpx.Limits(max_connections=250)
            ) as burst:
                attempts = await asyncio.gather(
                    *[burst.get("/notifications/stream", headers=enterprise.headers) for _ in range(200)]
                )
            assert {r.status_code for r in attempts} == {429}
            assert int(attempts[0].headers["Retry-After"]) > 0
            assert attempts[0].headers["content-type"] == "application/problem+json"
        finally:
            for context in opened:
                await context.__aexit__(None, None, None)
        # The closed streams gave their places back (the server notices the disconnect shortly).
        deadline = time.monotonic() + 5
        while True:
            async with client_a.stream(
                "GET", "/notifications/stream", headers=enterprise.headers
            ) as response:
                if response.status_code == 200:
                    break
            assert time.monotonic() < deadline, "closed streams kept their places"
            await asyncio.sleep(0.2)
        assert (await client_a.get("/healthz")).status_code == 200

    async def test_streams_of_different_accounts_do_not_share_a_cap(
        self, pair: Pair, client_a: httpx.AsyncClient
    ) -> None:
        accounts = [await _vetted(client_a, pair, "enterprise") for _ in range(2)]
        contexts = [open_stream(client_a, a) for a in accounts for _ in range(STREAMS_PER_USER)]
        try:
            for context in contexts:
                await context.__aenter__()
        finally:
            for context in contexts:
                await context.__aexit__(None, None, None)


class TestListFilters:
    async def test_since_unread_count_and_read_all(
        self, pair: Pair, client_a: httpx.AsyncClient, client_b: httpx.AsyncClient
    ) -> None:
        enterprise = await _vetted(client_a, pair, "enterprise")
        suppliers = [await _vetted(client_b, pair, "supplier") for _ in range(2)]
        demand_id = await _published_demand(client_a, enterprise)
        await _quote(client_b, suppliers[0], demand_id)
        first = (await client_a.get("/notifications", headers=enterprise.headers)).json()["items"][0]
        second_quote = await _quote(client_b, suppliers[1], demand_id)
        since = await client_a.get(
            "/notifications", params={"since": first["created_at"]}, headers=enterprise.headers
        )
        assert [n["data"]["quote_id"] for n in since.json()["items"]] == [second_quote]
        count = await client_a.get("/notifications/unread-count", headers=enterprise.headers)
        assert count.json()["count"] >= 2
        read_all = await client_a.post("/notifications/read-all", headers=enterprise.headers)
        assert read_all.status_code == 200 and read_all.json()["updated"] == count.json()["count"]
        assert (await client_a.get("/notifications/unread-count", headers=enterprise.headers)).json() == {
            "count": 0
        }
        unread = await client_a.get("/notifications", params={"unread": "true"}, headers=enterprise.headers)
        assert unread.json()["items"] == []
        again = await client_a.post("/notifications/read-all", headers=enterprise.headers)
        assert again.json() == {"updated": 0}

    @pytest.mark.parametrize(
        ("since", "status"),
        [
            ("2999-01-01T00:00:00Z", 200),  # the future: an empty page
            ("yesterday", 422),
            ("2026-13-01T00:00:00Z", 422),
            ("2026-12-01T08:00:00", 422),  # no offset: ambiguous
        ],
    )
    async def test_since_in_the_future_is_empty_and_unreadable_is_a_422(
        self, pair: Pair, client_a: httpx.AsyncClient, since: str, status: int
    ) -> None:
        enterprise = await _vetted(client_a, pair, "enterprise")
        response = await client_a.get("/notifications", params={"since": since}, headers=enterprise.headers)
        assert response.status_code == status
        if status == 200:
            assert response.json() == {"items": [], "next_cursor": None}
        else:
            assert response.json()["errors"][0]["loc"] == ["query", "since"]
