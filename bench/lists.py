"""Per-request cost: the API's cheapest answers, reference data, lists and single reads, each against a
floor measured in the same run (bench/floors.py: bare FastAPI answering the same bytes, and bare
FastAPI + SQLAlchemy doing one SELECT 1).

Targets (issue 15): the catalog from memory >= 0.8x /healthz; a single-resource GET >= 0.6x the SELECT 1
floor. (Issue 3: lists >= 0.5.)
"""

from __future__ import annotations

import random

import httpx

from bench import floors, harness
from bench.floors import FloorServer
from bench.harness import (
    Measured,
    Scale,
    Server,
    database_url,
    http_rows,
    prepare_data,
    run_rounds,
    run_wrk,
)

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


FLOOR_BYTES = "floor: bare FastAPI, the same bytes"
FLOOR_SELECT_1 = "floor: bare FastAPI + SQLAlchemy, SELECT 1"
HEALTHZ = "GET /healthz"


def run(scale: Scale) -> Measured:
    env = prepare_data(scale.data)
    rng = random.Random(7)
    with Server(env) as server:
        task_types = httpx.get(server.base + "/api/v1/catalog/task-types", timeout=30).content
        demand_ids = _ids(server.base, "/api/v1/demands")
        product_ids = _ids(server.base, "/api/v1/products")
        with FloorServer(database_url(env), task_types) as floor:
            scenarios = {
                # The floors (issue 15), served by bench/floors.py in one process of their own.
                FLOOR_BYTES: [floors.BYTES],
                FLOOR_SELECT_1: [floors.SELECT_1],
                HEALTHZ: ["/api/v1/healthz"],
                # Reference data, served from memory with its ETag: compared to /healthz (target 0.8).
                "GET /catalog/task-types (from memory)": ["/api/v1/catalog/task-types"],
                "GET /readyz (SELECT 1 through the app)": ["/api/v1/readyz"],
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
            bases = {FLOOR_BYTES: floor.base, FLOOR_SELECT_1: floor.base}
            results = run_rounds(server.base, scenarios, seconds=scale.seconds, bases=bases)
            rss = server.rss_mb()
    # What each scenario is held against: the app's own cheapest answers against the bare-bytes floor,
    # the catalog against /healthz, and everything that reads the database against the SELECT 1 floor.
    baselines = {
        FLOOR_SELECT_1: FLOOR_BYTES,
        HEALTHZ: FLOOR_BYTES,
        "GET /catalog/task-types (from memory)": HEALTHZ,
    }
    baselines |= {
        name: FLOOR_SELECT_1
        for name in scenarios
        if name.startswith(("GET /readyz", "GET /demands", "GET /products"))
    }
    return Measured(
        rows=http_rows("lists", results, load="wrk 2x16", rss=rss, baseline=FLOOR_BYTES, baselines=baselines),
        notes=[
            f"demo data x{scale.data}; {harness.ROUNDS} interleaved rounds of {scale.seconds} s a scenario; "
            "one uvicorn worker for the API and one for the floors (bench/floors.py); RSS is the API process "
            "after the run. Targets (issue 15): the catalog >= 0.8 of /healthz, a single-resource GET >= 0.6 "
            "of the SELECT 1 floor; (issue 3) lists >= 0.5."
        ],
    )


if __name__ == "__main__":
    harness.main("lists", run)
