"""Listing and reading demands and products over HTTP, against a bare one-query endpoint.

Target (issue 3): every scenario keeps at least half the baseline's throughput (ratio >= 0.5).
"""

from __future__ import annotations

import random

import httpx

from bench import harness
from bench.harness import Measured, Scale, Server, http_rows, prepare_data, run_rounds, run_wrk

REGIONS = ["510100", "510600", "510700", "511500", "511100", "513400"]
TASKS = ["line_upgrade", "smart_digital", "environmental", "safety", "micro"]


def _ids(base: str, path: str, pages: int = 5) -> list[str]:
    ids: list[str] = []
    cursor = None
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(pages):
            params: dict[str, str | int] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            body = client.get(path, params=params).json()
            ids += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
    return ids


def run(scale: Scale) -> Measured:
    env = prepare_data(scale.data)
    rng = random.Random(7)
    with Server(env) as server:
        demand_ids = _ids(server.base, "/api/v1/demands")
        product_ids = _ids(server.base, "/api/v1/products")
        scenarios = {
            # The baseline: a bare endpoint running one trivial query through the same stack (routing,
            # session dependency, commit), so the ratio measures what listing and reading add.
            "baseline GET /catalog/task-types": ["/api/v1/catalog/task-types"],
            "GET /readyz (SELECT 1, no dependencies)": ["/api/v1/readyz"],
            "GET /demands (filters)": [
                f"/api/v1/demands?limit=20&region_code={rng.choice(REGIONS)}&task_type={rng.choice(TASKS)}"
                for _ in range(200)
            ]
            + ["/api/v1/demands?limit=20"] * 50,
            "GET /demands/{id}": [f"/api/v1/demands/{i}" for i in demand_ids],
            "GET /products (filters)": [
                f"/api/v1/products?limit=20&region_code={rng.choice(REGIONS)}" for _ in range(200)
            ]
            + ["/api/v1/products?limit=20"] * 50,
            "GET /products/{id}": [f"/api/v1/products/{i}" for i in product_ids],
        }
        run_wrk("warm-up", server.base, scenarios["GET /demands (filters)"], seconds=3)
        results = run_rounds(server.base, scenarios, seconds=scale.seconds)
        rss = server.rss_mb()
    return Measured(
        rows=http_rows("lists", results, load="wrk 2x16", rss=rss, baseline="GET /catalog/task-types"),
        notes=[
            f"demo data x{scale.data}; {harness.ROUNDS} interleaved rounds of {scale.seconds} s a scenario; "
            "one uvicorn worker; RSS is the API process after the run. Target (issue 3): ratio >= 0.5."
        ],
    )


if __name__ == "__main__":
    harness.main("lists", run)
