"""Two hosts behave as one: API processes on two ports (one of them `serve --workers 2`, two processes
behind one port) over one database. A throttle counted on one is enforced on the other, an idempotent
retry sent to the other host creates nothing new, and a lead published through one is delivered once by
two workers racing for it and shows in the pull feed of both."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.db import PROJECT_ROOT
from tests.conftest import MigratedDatabase
from tests.fixtures.factories import PASSWORD, demand_payload, login, registration, unique_email
from tests.fixtures.live import LiveServer, live_server, logged_errors, server_environment
from tests.leads.receiver import running_receiver


@dataclass
class Hosts:
    a: LiveServer
    b: LiveServer  # two processes behind its port
    url: str
    admin_email: str


@pytest.fixture(scope="module")
def hosts(migrated_database: MigratedDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    admin_email = unique_email("admin")
    with migrated_database(admin_email) as url:
        workdir = tmp_path_factory.mktemp("two-hosts")
        with live_server(url, workdir) as a, live_server(url, workdir, WEB_CONCURRENCY="2") as b:
            yield Hosts(a=a, b=b, url=url, admin_email=admin_email)
        errors = logged_errors(a) + logged_errors(b)
        assert not errors, "\n".join(errors[:20])


def _children(pid: int) -> list[str]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found.append((Path("/proc") / child / "cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


def test_serve_workers_runs_that_many_api_processes_behind_one_port(hosts: Hosts) -> None:
    workers = [c for c in _children(hosts.b.pid) if "multiprocessing" in c and "spawn_main" in c]
    assert len(workers) == 2, _children(hosts.b.pid)
    with httpx.Client(base_url=hosts.b.api) as client:  # a new connection each, spread over both
        for _ in range(8):
            assert client.get("/healthz", headers={"Connection": "close"}).status_code == 200


async def _account(client: httpx.AsyncClient, kind: str, admin: dict[str, str]) -> tuple[str, dict[str, str]]:
    payload = registration(kind)
    created = await client.post("/auth/register", json=payload)
    assert created.status_code == 201, created.text
    vetted = await client.post(
        f"/admin/organizations/{created.json()['organization']['id']}/vetting",
        headers=admin,
        json={"decision": "approve"},
    )
    assert vetted.status_code == 200, vetted.text
    token = (await login(client, payload["email"]))["access_token"]
    return payload["email"], {"Authorization": f"Bearer {token}"}


async def _admin(client: httpx.AsyncClient, hosts: Hosts) -> dict[str, str]:
    return {"Authorization": f"Bearer {(await login(client, hosts.admin_email))['access_token']}"}


async def test_login_failures_on_either_host_count_together(hosts: Hosts) -> None:
    async with httpx.AsyncClient(base_url=hosts.a.api) as a, httpx.AsyncClient(base_url=hosts.b.api) as b:
        payload = registration()
        assert (await a.post("/auth/register", json=payload)).status_code == 201
        for n in range(5):  # LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_CLIENT, alternating hosts
            host = (a, b)[n % 2]
            wrong = await host.post(
                "/auth/token", data={"username": payload["email"], "password": "not it!!"}
            )
            assert wrong.status_code == 401, wrong.text
        for host in (a, b):
            blocked = await host.post(
                "/auth/token", data={"username": payload["email"], "password": PASSWORD}
            )
            assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1


async def test_an_idempotent_retry_on_the_other_host_creates_nothing_new(hosts: Hosts) -> None:
    async with httpx.AsyncClient(base_url=hosts.a.api) as a, httpx.AsyncClient(base_url=hosts.b.api) as b:
        _, enterprise = await _account(a, "enterprise", await _admin(a, hosts))
        body = demand_payload(title="跨主机幂等重试的需求")
        headers = {**enterprise, "Idempotency-Key": "two-hosts-demand-1"}
        first = await a.post("/demands", json=body, headers=headers)
        again = await b.post("/demands", json=body, headers=headers)
        assert first.status_code == again.status_code == 201, again.text
        assert again.json()["id"] == first.json()["id"]
        mine = (await b.get("/me/demands", params={"limit": 100}, headers=enterprise)).json()
        assert [d["id"] for d in mine["items"] if d["title"] == body["title"]] == [first.json()["id"]]
        reused = await b.post("/demands", json={**body, "quantity": 9}, headers=headers)
        assert reused.status_code == 422  # the same key with another body, on the other host too


def _worker_once(hosts: Hosts) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "worker", "--once", "--idle-seconds", "0.1"],
        cwd=PROJECT_ROOT,
        env=server_environment(hosts.url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_a_lead_published_on_one_host_is_delivered_once(hosts: Hosts) -> None:
    with running_receiver() as receiver:
        async with httpx.AsyncClient(base_url=hosts.a.api) as a, httpx.AsyncClient(base_url=hosts.b.api) as b:
            admin = await _admin(a, hosts)
            _, bank = await _account(a, "bank", admin)
            _, enterprise = await _account(b, "enterprise", admin)
            sub = await a.post(
                "/lead-subscriptions",
                headers=bank,
                json={"name": "两台主机", "webhook_url": receiver.base + "/hook"},
            )
            assert sub.status_code == 201, sub.text
            demand = (
                await b.post("/demands", json=demand_payload(title="跨主机线索"), headers=enterprise)
            ).json()
            published = await b.post(f"/demands/{demand['id']}/publish", headers=enterprise)
            assert published.status_code == 200, published.text

            workers = [_worker_once(hosts), _worker_once(hosts)]
            for worker in workers:
                _, stderr = worker.communicate(timeout=120)
                assert worker.returncode == 0, stderr.decode()[-2000:]
            ids = receiver.ids("/hook")  # both workers have exited: whatever was owed is sent
            assert len(ids) == 1 and len(set(ids)) == 1, ids
            assert demand["id"] in receiver.received[0].body

            for host in (a, b):
                feed = (await host.get("/leads", params={"limit": 100}, headers=bank)).json()["items"]
                assert [lead["demand"]["id"] for lead in feed] == [demand["id"]]
