"""PostgreSQL restarts under a running API: while it is down the answer is a 503 problem with
Retry-After (never a 500), and once it is back the service recovers by itself, on its own pool."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.embedded_postgres import EmbeddedPostgres, throwaway_cluster
from tests.fixtures.factories import registration
from tests.fixtures.live import LiveServer, live_server, logged_errors, prepare_database


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[EmbeddedPostgres]:
    """A cluster of its own: this test stops it, which the session's cluster must never be."""
    cluster = throwaway_cluster()
    cluster.ensure_running(durable=False)
    yield cluster
    cluster.stop()
    shutil.rmtree(cluster.root, ignore_errors=True)


@pytest.fixture(scope="module")
def server(own_cluster: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = own_cluster.url()
    prepare_database(url, "restart-admin@example.com")
    with live_server(url, tmp_path_factory.mktemp("restart"), LOG_LEVEL="WARNING") as running:
        yield running


def test_a_database_restart_answers_503_then_recovers(
    server: LiveServer, own_cluster: EmbeddedPostgres
) -> None:
    with httpx.Client(base_url=server.api, timeout=30) as http:
        # Warm the pool: these connections die with the server.
        for _ in range(3):
            assert http.get("/demands").status_code == 200
        own_cluster.stop()
        answers = [
            http.get("/demands", headers={"Accept-Language": "en"}),
            http.post("/auth/register", json=registration()),
            http.post("/auth/token", data={"username": "restart-admin@example.com", "password": "x" * 12}),
        ]
        for answer in answers:
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert int(answer.headers["retry-after"]) >= 1
            assert answer.json()["status"] == 503
        assert "retry" in answers[0].json()["detail"].lower()
        assert "数据库" in answers[1].json()["detail"]  # Chinese by default
        own_cluster.ensure_running(durable=False)
        # Back by itself: no restart of the API, the pool replaces its dead connections.
        deadline = time.monotonic() + 30
        while (status := http.get("/demands").status_code) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200
        assert http.post("/auth/register", json=registration()).status_code == 201
    # The outage is logged as a warning per request, not as an unhandled error.
    assert logged_errors(server) == []
    assert "request.database_unavailable" in Path(server.log_path).read_text()
