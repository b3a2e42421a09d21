"""The operators' statistics over HTTP: GET /stats/overview (whole province, one city, one quarter) and the
dashboard page, as the demo admin, against the demand list read by the same admin.

The overview reads maintained aggregates (monthly cells, plus the deltas not folded yet, plus the facts of
part months at the period's ends); the ratio shows how many list pages one overview costs.
"""

from __future__ import annotations

import sys

import httpx
from sqlalchemy import create_engine, text

from bench import harness
from bench.harness import Measured, Scale, Server, database_url, http_rows, prepare_data, run_rounds
from seed.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD


def _compact(url: str) -> int:
    """Fold the statistics' deltas into their cells, as the worker does every 5 s in production (the bench
    runs no worker, and the demo load leaves one delta row per change)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        folded = int(conn.execute(text("SELECT stats_compact()")).scalar_one() or 0)
    engine.dispose()
    print(f"folded {folded:,} statistics deltas into their cells", file=sys.stderr)
    return folded


def run(scale: Scale) -> Measured:
    env = prepare_data(scale.data)
    with Server(env) as server:
        _compact(database_url(env))
        token = httpx.post(
            f"{server.base}/api/v1/auth/token", data={"username": DEMO_ADMIN_EMAIL, "password": DEMO_PASSWORD}
        ).json()["access_token"]
        demands = httpx.get(
            f"{server.base}/api/v1/stats/overview", headers={"Authorization": f"Bearer {token}"}, timeout=60
        ).json()["demands"]["total"]
        scenarios = {
            "baseline GET /demands?limit=20 (as the admin)": ["/api/v1/demands?limit=20"],
            "GET /stats/overview (whole province, all time)": ["/api/v1/stats/overview"],
            "GET /stats/overview?region_code=510100": ["/api/v1/stats/overview?region_code=510100"],
            "GET /stats/overview?from=…&to=… (one quarter)": [
                "/api/v1/stats/overview?from=2026-07-01&to=2026-09-30"
            ],
            "GET /admin/dashboard (whole province)": ["/api/v1/admin/dashboard"],
        }
        auth = f"Bearer {token}"
        single = run_rounds(
            server.base, scenarios, seconds=scale.seconds, connections=1, threads=1, auth=auth
        )
        loaded = run_rounds(
            server.base, scenarios, seconds=scale.seconds, connections=4, threads=2, auth=auth
        )
        rss = server.rss_mb()
    baseline = "GET /demands?limit=20"
    return Measured(
        rows=[
            *http_rows("stats", single, load="1 connection", rss=rss, baseline=baseline),
            *http_rows("stats", loaded, load="wrk 2x4", rss=rss, baseline=baseline),
        ],
        notes=[
            f"demo data x{scale.data} ({demands:,} posted demands); {harness.ROUNDS} interleaved rounds of "
            f"{scale.seconds} s a scenario, as the demo admin; RSS is the API process after the run. An "
            "operator's page, not a hot path: no target beyond staying well under a second."
        ],
    )


if __name__ == "__main__":
    harness.main("stats", run)
