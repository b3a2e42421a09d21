"""What a phone pays (issue 14, item 7): the bytes of a demand list page with and without gzip and when it
revalidates with its ETag; and how long a notification takes from its commit to the SSE event on each of
200 open streams.

Bytes: `GET /demands?limit=20` and `?limit=100` on the demo data, anonymous, one keep-alive connection,
with `Accept-Encoding: identity` (the baseline), with `Accept-Encoding: gzip`, and with `If-None-Match`
(the page's ETag, answered 304). The body is counted as it comes off the socket (httpx's raw stream,
`num_bytes_downloaded`: the compressed bytes, not the decoded length); p50/p95 are of requests sent one
at a time, so what compressing costs the server shows in the latency.

Notifications: 200 demo enterprises log in and each opens `GET /notifications/stream` (200 organizations,
one stream each, under the per-account cap). Notifications are INSERTed straight into `notifications`
through this process's own database connection (the trigger NOTIFYs at commit, as for every writer), and
each event is timed from the moment that COMMIT returned until its `event: notification` is parsed here.
Rounds of all 200 organizations at once, then one organization at a time; the baseline is a plain
`GET /notifications/unread-count` round trip by the same accounts, in the same run, with the streams open.

    python -m bench.client [--scale small|medium|large|N]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from psycopg.rows import TupleRow
from sqlalchemy.engine import make_url

from app.embedded_postgres import EmbeddedPostgres
from bench import harness
from bench.harness import Measured, Row, Scale, Server, prepare_data
from seed.demo import DEMO_PASSWORD

PAGES = (20, 100)
STREAMS = 200
ROUNDS_AT_ONCE = 5
KIND = "bench_client"  # the notifications this benchmark writes (and removes)
LOGIN_CONCURRENCY = 2  # Argon2 verifications: one per core
OPEN_CONCURRENCY = 10
EVENT_TIMEOUT_S = 30.0  # a round whose events are not all here by then counts the rest as lost


class _Server(Server):
    """The harness's server with its log kept (in a temporary file) instead of thrown away."""

    def __init__(self, env: dict[str, str]) -> None:
        self.log_file = Path(tempfile.mkstemp(prefix="bench-client-server-", suffix=".log")[1])
        super().__init__(env, log=self.log_file)

    def problems(self) -> Counter[str]:
        """Warnings, errors and anything that is not a JSON log line (a traceback), by message."""
        found: Counter[str] = Counter()
        for line in self.log_file.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                if line.strip():
                    found[f"(not JSON) {line.strip()[:100]}"] += 1
                continue
            if isinstance(entry, dict) and entry.get("level") in ("warning", "error", "critical"):
                found[f"{entry.get('level')} {entry.get('event')}"] += 1
        return found


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _conninfo(env: dict[str, str]) -> str:
    """The bench database as libpq reads it (the server started the embedded cluster, if it is one)."""
    url = env.get("DATABASE_URL") or EmbeddedPostgres(root=Path(env["EMBEDDED_PG_DIR"])).url()
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# -- bytes per page -------------------------------------------------------------------------------------


@dataclass
class Fetched:
    status: int
    body_bytes: int  # as received: compressed when Content-Encoding says so
    header_bytes: int  # status line and headers, as HTTP/1.1 sends them
    ms: float
    encoding: str
    etag: str


@dataclass
class Variant:
    name: str
    path: str
    headers: dict[str, str]
    expect_status: int
    expect_encoding: str
    fetched: list[Fetched] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0


def _fetch(client: httpx.Client, path: str, headers: dict[str, str]) -> Fetched:
    started = time.perf_counter()
    with client.stream("GET", path, headers=headers) as response:
        for _ in response.iter_raw():
            pass
        ms = (time.perf_counter() - started) * 1000
        status_line = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n")
        header_bytes = status_line + sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 2
        return Fetched(
            status=response.status_code,
            body_bytes=response.num_bytes_downloaded,
            header_bytes=header_bytes,
            ms=ms,
            encoding=response.headers.get("content-encoding", ""),
            etag=response.headers.get("etag", ""),
        )


def _page_bytes(scale: Scale, base: str) -> tuple[list[Variant], int]:
    variants: list[Variant] = []
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
        items = 0
        for limit in PAGES:
            path = f"/api/v1/demands?limit={limit}"
            first = client.get(path, headers={"Accept-Encoding": "identity"})
            first.raise_for_status()
            items = max(items, len(first.json()["items"]))
            etag = first.headers["etag"]
            variants += [
                Variant(f"limit={limit}, identity", path, {"Accept-Encoding": "identity"}, 200, ""),
                Variant(f"limit={limit}, gzip", path, {"Accept-Encoding": "gzip"}, 200, "gzip"),
                Variant(
                    f"limit={limit}, If-None-Match → 304",
                    path,
                    {"Accept-Encoding": "gzip", "If-None-Match": etag},
                    304,
                    "",
                ),
            ]
        for variant in variants:  # warm-up: a few of each
            for _ in range(5):
                _fetch(client, variant.path, variant.headers)
        # Interleaved rounds, as run_rounds does with wrk, so drift hits every variant alike.
        for _ in range(harness.ROUNDS):
            for variant in variants:
                started = time.monotonic()
                deadline = started + scale.seconds
                while time.monotonic() < deadline:
                    got = _fetch(client, variant.path, variant.headers)
                    variant.fetched.append(got)
                    variant.errors += got.status != variant.expect_status or (
                        got.encoding != variant.expect_encoding
                    )
                variant.seconds += time.monotonic() - started
    return variants, items


def _byte_rows(variants: list[Variant], rss: float) -> list[Row]:
    rows = []
    baseline: Variant | None = None
    for variant in variants:
        if variant.expect_status == 200 and not variant.expect_encoding:
            baseline = variant
        assert baseline is not None
        body = _percentile([f.body_bytes for f in variant.fetched], 0.5)
        headers = _percentile([f.header_bytes for f in variant.fetched], 0.5)
        base_body = _percentile([f.body_bytes for f in baseline.fetched], 0.5)
        base_total = base_body + _percentile([f.header_bytes for f in baseline.fetched], 0.5)
        ms = [f.ms for f in variant.fetched]
        rows.append(
            Row(
                benchmark="client",
                scenario=f"{'baseline ' if variant is baseline else ''}GET /demands?{variant.name}",
                load="1 connection, one at a time",
                throughput=body,
                unit="B body/page",
                p50_ms=_percentile(ms, 0.5),
                p95_ms=_percentile(ms, 0.95),
                rss_mb=rss,
                errors=variant.errors,
                baseline=baseline.name.replace("limit=", "?limit="),
                ratio=body / base_body if base_body else None,
                note=(
                    f"+ {headers:,.0f} B of status line and headers; whole response {body + headers:,.0f} B, "
                    f"{(body + headers) / base_total:.2f} of identity's; {len(ms):,} requests, "
                    f"{len(ms) / variant.seconds:,.0f} req/s"
                ),
            )
        )
    return rows


# -- notification latency ---------------------------------------------------------------------------


@dataclass
class Streams:
    """Every stream's events as they arrive: notification id → when it was parsed (perf_counter)."""

    arrivals: dict[uuid.UUID, float] = field(default_factory=dict)
    waiting: set[uuid.UUID] = field(default_factory=set)
    all_here: asyncio.Event = field(default_factory=asyncio.Event)
    opened: int = 0
    refused: Counter[int] = field(default_factory=Counter)  # status codes other than 200
    dropped: int = 0  # streams the server ended (or broke) while we still listened
    unexpected: int = 0  # events we did not write, or sent twice, or without a created_at
    pings: int = 0

    def expect(self, ids: list[uuid.UUID]) -> None:
        self.waiting = set(ids)
        self.all_here.clear()

    def arrived(self, event_id: str, data: str) -> None:
        now = time.perf_counter()
        try:
            notification_id = uuid.UUID(event_id)
            created_at = json.loads(data)["created_at"]
        except (ValueError, KeyError, TypeError):
            self.unexpected += 1
            return
        if notification_id in self.arrivals or not created_at:
            self.unexpected += 1
            return
        self.arrivals[notification_id] = now
        if notification_id in self.waiting:
            self.waiting.discard(notification_id)
            if not self.waiting:
                self.all_here.set()
        else:
            self.unexpected += 1


async def _stream(client: httpx.AsyncClient, token: str, streams: Streams, ready: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    try:
        async with client.stream("GET", "/api/v1/notifications/stream", headers=headers) as response:
            if response.status_code != 200:
                streams.refused[response.status_code] += 1
                return
            streams.opened += 1
            ready.set()
            event, event_id = "", ""
            data: list[str] = []
            async for line in response.aiter_lines():
                if not line:
                    if event == "notification":
                        streams.arrived(event_id, "\n".join(data))
                    event, event_id = "", ""
                    data = []
                elif line.startswith(":"):
                    streams.pings += 1
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "event":
                        event = value
                    elif name == "id":
                        event_id = value
                    elif name == "data":
                        data.append(value)
        streams.dropped += 1  # the server ended it; we never do, only cancel
    except httpx.HTTPError:
        streams.dropped += 1
    finally:
        ready.set()


async def _login(client: httpx.AsyncClient, email: str, gate: asyncio.Semaphore) -> str:
    async with gate:
        response = await client.post(
            "/api/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD}
        )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def _unread_counts(client: httpx.AsyncClient, tokens: list[str], seconds: float) -> list[float]:
    """The baseline: one round trip at a time, cycling through the accounts, for `seconds`."""
    durations: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        token = tokens[len(durations) % len(tokens)]
        started = time.perf_counter()
        response = await client.get(
            "/api/v1/notifications/unread-count", headers={"Authorization": f"Bearer {token}"}
        )
        response.raise_for_status()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


@dataclass
class Rounds:
    latencies_ms: list[float] = field(default_factory=list)
    lost: int = 0
    seconds: float = 0.0  # from each commit to its round's last event, summed
    commit_ms: list[float] = field(default_factory=list)


async def _notify(
    conn: psycopg.AsyncConnection[TupleRow], streams: Streams, organizations: list[uuid.UUID]
) -> tuple[list[float], int, float, float]:
    """One transaction notifying these organizations; each event's latency from the commit's return."""
    ids = [uuid.uuid4() for _ in organizations]
    streams.expect(ids)
    started = time.perf_counter()
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO notifications (id, organization_id, kind, title, body, data, read_at, created_at) "
            "SELECT i, o, %s, %s, '', jsonb_build_object('bench', true), NULL, now() "
            "FROM unnest(%s::uuid[], %s::uuid[]) AS t(i, o)",
            (KIND, "基准测试通知 bench notification", ids, organizations),
        )
    committed = time.perf_counter()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(streams.all_here.wait(), timeout=EVENT_TIMEOUT_S)
    latencies = [(streams.arrivals[i] - committed) * 1000 for i in ids if i in streams.arrivals]
    last = max((streams.arrivals[i] for i in ids if i in streams.arrivals), default=committed)
    return latencies, len(ids) - len(latencies), last - committed, (committed - started) * 1000


async def _notification_latency(scale: Scale, server: _Server, env: dict[str, str]) -> Measured:
    emails = [f"enterprise-{i:05d}@demo.sichuan-renewal.example" for i in range(STREAMS)]
    conninfo = _conninfo(env)
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await conn.execute("DELETE FROM notifications WHERE kind = %s", (KIND,))  # an interrupted run's
        cursor = await conn.execute(
            "SELECT email, organization_id FROM users WHERE email = ANY(%s)", (emails,)
        )
        organization_of = {email: org for email, org in await cursor.fetchall()}
        assert len(organization_of) == STREAMS, "the demo data has fewer enterprises than streams"
        organizations = [uuid.UUID(str(organization_of[e])) for e in emails]
        assert len(set(organizations)) == STREAMS

        timeout = httpx.Timeout(30, read=None)
        limits = httpx.Limits(max_connections=STREAMS + 10, max_keepalive_connections=STREAMS + 10)
        async with (
            httpx.AsyncClient(base_url=server.base, timeout=30, trust_env=False) as api,
            httpx.AsyncClient(base_url=server.base, timeout=timeout, limits=limits, trust_env=False) as sse,
        ):
            started = time.monotonic()
            gate = asyncio.Semaphore(LOGIN_CONCURRENCY)
            tokens = list(await asyncio.gather(*(_login(api, e, gate) for e in emails)))
            login_seconds = time.monotonic() - started
            rss_before = server.rss_mb()

            streams = Streams()
            opening = asyncio.Semaphore(OPEN_CONCURRENCY)

            async def open_one(token: str) -> asyncio.Task[None]:
                async with opening:
                    ready = asyncio.Event()
                    task = asyncio.create_task(_stream(sse, token, streams, ready))
                    await ready.wait()
                    return task

            started = time.monotonic()
            tasks = list(await asyncio.gather(*(open_one(t) for t in tokens)))
            open_seconds = time.monotonic() - started
            try:
                await asyncio.sleep(1)  # every stream past its first look at the database
                rss_open = server.rss_mb()
                half = harness.ROUNDS * scale.seconds / 2
                baseline_ms = await _unread_counts(api, tokens, half)

                at_once = Rounds()
                for _ in range(ROUNDS_AT_ONCE):
                    latencies, lost, seconds, commit_ms = await _notify(conn, streams, organizations)
                    at_once.latencies_ms += latencies
                    at_once.lost += lost
                    at_once.seconds += seconds
                    at_once.commit_ms.append(commit_ms)
                    await asyncio.sleep(0.5)
                one_by_one = Rounds()
                for organization in organizations:
                    latencies, lost, seconds, commit_ms = await _notify(conn, streams, [organization])
                    one_by_one.latencies_ms += latencies
                    one_by_one.lost += lost
                    one_by_one.seconds += seconds
                    one_by_one.commit_ms.append(commit_ms)

                baseline_ms += await _unread_counts(api, tokens, half)
                rss_after = server.rss_mb()
                still_open = streams.opened - streams.dropped
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            gate = asyncio.Semaphore(4)

            async def logout(token: str) -> None:
                async with gate:
                    await api.post(
                        "/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}, json={}
                    )

            await asyncio.gather(*(logout(t) for t in tokens))
        await conn.execute("DELETE FROM notifications WHERE kind = %s", (KIND,))

    baseline_rps = len(baseline_ms) / (2 * half)
    base_p95 = _percentile(baseline_ms, 0.95)
    load = f"{streams.opened} SSE streams open"
    rows = [
        Row(
            benchmark="client",
            scenario="baseline GET /notifications/unread-count (200 accounts in turn)",
            load=f"1 connection, {streams.opened} streams open",
            throughput=baseline_rps,
            unit="req/s",
            p50_ms=_percentile(baseline_ms, 0.5),
            p95_ms=base_p95,
            rss_mb=rss_open,
            baseline="unread-count",
            ratio=1.0,
            note=f"{len(baseline_ms):,} round trips, half before and half after the notifications",
        )
    ]
    for name, rounds, detail in (
        (
            f"notification → SSE event, all {STREAMS} organizations at once",
            at_once,
            f"{ROUNDS_AT_ONCE} rounds of one transaction of {STREAMS} rows; events/s is a round's events "
            "over the time from its commit to its last event",
        ),
        (
            "notification → SSE event, one organization at a time",
            one_by_one,
            f"{STREAMS} transactions of one row, each waited for; events/s is events over the time "
            "waited (the INSERT and COMMIT not counted)",
        ),
    ):
        events = len(rounds.latencies_ms)
        rate = events / rounds.seconds if rounds.seconds else 0.0
        p95 = _percentile(rounds.latencies_ms, 0.95) if events else None
        rows.append(
            Row(
                benchmark="client",
                scenario=name,
                load=load,
                throughput=rate,
                unit="events/s",
                p50_ms=_percentile(rounds.latencies_ms, 0.5) if events else None,
                p95_ms=p95,
                rss_mb=rss_after,
                errors=rounds.lost,
                baseline="unread-count",
                ratio=rate / baseline_rps if baseline_rps else None,
                note=(
                    f"{events:,} events, max {max(rounds.latencies_ms, default=0):,.1f} ms"
                    + (f", p95 {p95 / base_p95:.1f}x the unread-count round trip's" if p95 else "")
                    + f"; {detail}; COMMIT took p50 {_percentile(rounds.commit_ms, 0.5):.1f} ms; "
                    f"errors = events not here within {EVENT_TIMEOUT_S:.0f} s"
                ),
            )
        )
    refused = ", ".join(f"{n} x {code}" for code, n in sorted(streams.refused.items())) or "none"
    notes = [
        f"Notifications: {STREAMS} demo enterprises (one account and one organization each) logged in "
        f"({login_seconds:.1f} s, {LOGIN_CONCURRENCY} at a time) and opened one stream each, "
        f"{OPEN_CONCURRENCY} at a time ({open_seconds:.1f} s for all; refused: {refused}); notifications "
        "INSERTed through this process's own connection (the trigger NOTIFYs at commit), each event timed "
        "from the COMMIT's return until this process parsed it, so the 200 streams' client (one Python "
        "event loop on the same 2 cores) is inside the figure. "
        f"API process RSS {rss_before:.0f} MB before the streams, {rss_open:.0f} MB with {streams.opened} "
        f"open, {rss_after:.0f} MB after the notifications; {still_open} of {streams.opened} streams still "
        f"open at the end ({streams.dropped} ended by the server), {streams.unexpected} unexpected events, "
        f"{streams.pings} pings. Ratio: throughput over the unread-count baseline's req/s, as elsewhere; "
        "compare the p95 columns for latency."
    ]
    return Measured(rows=rows, notes=notes)


def run(scale: Scale) -> Measured:
    env = prepare_data(scale.data)
    with _Server(env) as server:
        variants, items = _page_bytes(scale, server.base)
        rss = server.rss_mb()
        measured = asyncio.run(_notification_latency(scale, server, env))
    problems = server.problems()
    server.log_file.unlink(missing_ok=True)
    measured.rows[:0] = _byte_rows(variants, rss)
    measured.notes[:0] = [
        f"Bytes: demo data x{scale.data}, anonymous GET /demands?limit=20 and ?limit=100 (a full page: "
        f"{items} items at most), one keep-alive connection, one request at a time; {harness.ROUNDS} "
        f"interleaved rounds of {scale.seconds} s a variant; the body counted undecoded off the socket "
        "(gzip level 6 above 1 KB, app/main.py); 304 is If-None-Match with the page's ETag (sent with "
        "Accept-Encoding: gzip); ratio is body bytes over identity's; RSS is the API process after these. "
        "Errors: a status or Content-Encoding other than expected."
    ]
    measured.notes.append(
        "Server log (level WARNING): "
        + (
            "; ".join(f"{n} x {message}" for message, n in problems.most_common(8))
            if problems
            else "no warnings or errors"
        )
        + "."
    )
    return measured


if __name__ == "__main__":
    harness.main("client", run)
