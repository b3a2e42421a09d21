"""Processes killed with SIGKILL, as an OOM killer or a pulled plug would: a worker killed while a
webhook is in flight loses nothing, and the event goes again with the same `webhook-id`; an API process
killed while, or after, creating something lets the client's idempotent retry on a new process create
it exactly once."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.db import PROJECT_ROOT
from tests.conftest import MigratedDatabase
from tests.fixtures.factories import PASSWORD, demand_payload, registration, unique_email
from tests.fixtures.live import live_server, server_environment
from tests.leads.receiver import running_receiver


@dataclass
class World:
    url: str
    admin_email: str
    workdir: Path


@pytest.fixture(scope="module")
def world(migrated_database: MigratedDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    admin_email = unique_email("admin")
    with migrated_database(admin_email) as url:
        yield World(url, admin_email, tmp_path_factory.mktemp("faults"))


def _scalar(url: str, sql: str, **params: object) -> object:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def _account(client: httpx.Client, kind: str, admin_email: str) -> dict[str, str]:
    admin = {"Authorization": f"Bearer {_login(client, admin_email)}"}
    payload = registration(kind)
    created = client.post("/auth/register", json=payload)
    assert created.status_code == 201, created.text
    vetted = client.post(
        f"/admin/organizations/{created.json()['organization']['id']}/vetting",
        headers=admin,
        json={"decision": "approve"},
    )
    assert vetted.status_code == 200, vetted.text
    return {"Authorization": f"Bearer {_login(client, payload['email'])}"}


def _login(client: httpx.Client, email: str) -> str:
    response = client.post("/auth/token", data={"username": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _worker(url: str, *flags: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "app", "worker", "--idle-seconds", "0.1", *flags],
        cwd=PROJECT_ROOT,
        env=server_environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_a_worker_killed_mid_delivery_loses_nothing_and_resends_the_same_webhook_id(world: World) -> None:
    with running_receiver() as receiver, live_server(world.url, world.workdir) as api:
        receiver.behaviour["/slow"] = (204, 20.0)  # the first attempt hangs until the worker is dead
        with httpx.Client(base_url=api.api, timeout=30) as client:
            bank = _account(client, "bank", world.admin_email)
            enterprise = _account(client, "enterprise", world.admin_email)
            sub = client.post(
                "/lead-subscriptions",
                headers=bank,
                json={"name": "断电", "webhook_url": receiver.base + "/slow"},
            )
            assert sub.status_code == 201, sub.text
            demand = client.post(
                "/demands", json=demand_payload(title="发送中被杀的线索"), headers=enterprise
            )
            published = client.post(f"/demands/{demand.json()['id']}/publish", headers=enterprise)
            assert published.status_code == 200, published.text

        worker = _worker(world.url)
        deadline = time.monotonic() + 60
        while not receiver.ids("/slow"):
            assert worker.poll() is None and time.monotonic() < deadline, "the worker never sent"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        (first,) = receiver.ids("/slow")
        sub_id = sub.json()["id"]
        state = "SELECT status || ':' || attempts FROM webhook_deliveries WHERE subscription_id = :s"
        assert _scalar(world.url, state, s=sub_id) == "pending:1"  # still owed, leased to the dead worker

        # Its lease (two minutes) runs out; the clock is moved rather than waited for.
        _scalar(
            world.url,
            "UPDATE webhook_deliveries SET locked_until = now() - interval '1 second' "
            "WHERE subscription_id = :s RETURNING 1",
            s=sub_id,
        )
        receiver.behaviour["/slow"] = (204, 0.0)
        again = _worker(world.url, "--once")
        _, stderr = again.communicate(timeout=120)
        assert again.returncode == 0, stderr.decode()[-2000:]
        assert receiver.ids("/slow") == [first, first]  # the same event, the same webhook-id
        assert _scalar(world.url, state, s=sub_id) == "succeeded:2"
        count = "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = :s"
        assert _scalar(world.url, count, s=sub_id) == 1


def test_an_api_killed_around_a_create_lets_the_retry_create_it_once(world: World) -> None:
    # Each case kills the current process and retries on a new one, which the next case then kills.
    with contextlib.ExitStack() as stack:
        current = stack.enter_context(live_server(world.url, world.workdir))
        with httpx.Client(base_url=current.api, timeout=30) as client:
            enterprise = _account(client, "enterprise", world.admin_email)
        for n, delay in enumerate((None, 0.0, 0.02, 0.05)):  # killed after answering, or while working
            title = f"重试只建一次的需求{n}"
            body = demand_payload(title=title)
            headers = {**enterprise, "Idempotency-Key": f"killed-{n}"}
            if delay is None:
                with httpx.Client(base_url=current.api, timeout=30) as client:
                    assert client.post("/demands", json=body, headers=headers).status_code == 201
                os.kill(current.pid, signal.SIGKILL)
            else:
                sent = threading.Thread(target=_post_ignoring_failure, args=(current.api, body, headers))
                sent.start()
                time.sleep(delay)
                os.kill(current.pid, signal.SIGKILL)
                sent.join(timeout=30)
            current = stack.enter_context(live_server(world.url, world.workdir))
            with httpx.Client(base_url=current.api, timeout=30) as client:
                retried = client.post("/demands", json=body, headers=headers)
                assert retried.status_code == 201, retried.text
                again = client.post("/demands", json=body, headers=headers)
                assert again.json()["id"] == retried.json()["id"]
            made = _scalar(world.url, "SELECT count(*) FROM demands WHERE title = :t", t=title)
            assert made == 1, (delay, made)


def _post_ignoring_failure(base: str, body: dict[str, object], headers: dict[str, str]) -> None:
    with contextlib.suppress(httpx.TransportError):  # the process died under the request
        httpx.post(base + "/demands", json=body, headers=headers, timeout=30)
