"""How latency grows with the supply list: search and product matching at 10,000 → 100,000 → 1,000,000
products (small: 10,000 → 100,000), on one server with the results cache off, so every request is
computed. Each size is the demo data x1 with its indexed products cloned under new ids (bench/search.py
`top_up`), vacuumed and analysed as autovacuum would leave it; the baseline at every size is the bare
indexed lookup GET /products/{id}. The notes give each scenario's p95 at every size and its growth.
"""

from __future__ import annotations

import random
from urllib.parse import quote

import httpx

from bench import harness
from bench.harness import Measured, Result, Row, Scale, Server, http_rows, prepare_data, run_rounds, run_wrk
from bench.matching import _demands
from bench.search import REGIONS, WORDS, _url, top_up
from seed.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from tests.search.relevance_set import QUERIES

SIZES = {"small": (10_000, 100_000)}
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
BASELINE = "baseline GET /products/{id}"
SEARCH = "GET /search/products (100 mixed queries)"
MATCHES = "GET /demands/{id}/matches?kind=product"


def _paths(base: str) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(11)
    queries = [q for q, _, _ in QUERIES] + WORDS
    products = httpx.get(f"{base}/api/v1/products?limit=100", timeout=30).json()["items"]
    search = []
    for _ in range(100):
        extra = rng.choice(["", f"&region_code={rng.choice(REGIONS)}", "&energy_grade_max=2", "&sort=newest"])
        search.append(f"/api/v1/search/products?q={quote(rng.choice(queries))}{extra}")
    matches = [f"/api/v1/demands/{d['id']}/matches?kind=product" for d in _demands(base)]
    return [f"/api/v1/products/{p['id']}" for p in products], search, matches


def run(scale: Scale) -> Measured:
    env = {**prepare_data(1), "SEARCH_CACHE_SECONDS": "0"}
    sizes = SIZES.get(scale.name, DEFAULT_SIZES)
    rows: list[Row] = []
    p95: dict[tuple[str, str], list[float]] = {}
    with Server(env) as server:
        token = httpx.post(
            f"{server.base}/api/v1/auth/token", data={"username": DEMO_ADMIN_EMAIL, "password": DEMO_PASSWORD}
        ).json()["access_token"]
        auth = f"Bearer {token}"
        for size in sizes:
            counts = top_up(_url(env), {"products": size})
            lookups, search, matches = _paths(server.base)
            scenarios = {BASELINE: lookups, SEARCH: search, MATCHES: matches}
            run_wrk("warm-up", server.base, search + matches, seconds=3, auth=auth)
            for load, connections, threads in (("1 connection", 1, 1), ("wrk 2x16", 16, 2)):
                results: list[Result] = run_rounds(
                    server.base,
                    scenarios,
                    seconds=scale.seconds,
                    connections=connections,
                    threads=threads,
                    auth=auth,
                )
                for r in results:
                    r.name = f"{r.name} @ {counts['products']:,} products"
                    p95.setdefault((r.name.split(" @ ")[0], load), []).append(r.p95_ms)
                rows += http_rows(
                    "growth", results, load=load, rss=server.rss_mb(), baseline="GET /products/{id}"
                )
    notes = [
        f"PostgreSQL engine, results cache off; the demo data x1 with its products cloned to "
        f"{', '.join(f'{n:,}' for n in sizes)}; {harness.ROUNDS} interleaved rounds of {scale.seconds} s a "
        "scenario at each size; RSS is the API process after each size."
    ]
    for (name, load), values in p95.items():
        steps = " → ".join(f"{v:.1f}" for v in values)
        notes.append(f"p95 ms of {name}, {load}: {steps} (x{values[-1] / values[0]:.1f} over the range)")
    return Measured(rows=rows, notes=notes)


if __name__ == "__main__":
    harness.main("growth", run)
