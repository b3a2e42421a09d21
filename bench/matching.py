"""Matching over HTTP with 100,000 products in the index (at the medium and large scales):
GET /demands/{id}/matches?kind=product for 200 published demands, against the plain search call for the
same demands (their title, category and city as GET /search/products) in the same run.

Target (issue 5): p95 under 100 ms (one connection at a time, the latency one user sees).
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from bench import harness
from bench.harness import Measured, Scale, Server, http_rows, prepare_data, run_rounds, run_wrk
from bench.search import NO_CACHE, _top_up, _url, warm_up
from seed.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD


def _demands(base: str, count: int = 200) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    cursor = None
    with httpx.Client(base_url=base, timeout=30) as client:
        while len(found) < count:
            params: dict[str, str | int] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            body = client.get("/api/v1/demands", params=params).json()
            found += [d for d in body["items"] if d["category_codes"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
    return found[:count]


def run(scale: Scale) -> Measured:
    env = prepare_data(scale.data)
    with Server(env) as server, Server({**env, "SEARCH_CACHE_SECONDS": "0"}) as uncached:
        counts = _top_up(_url(env), scale)
        token = httpx.post(
            f"{server.base}/api/v1/auth/token", data={"username": DEMO_ADMIN_EMAIL, "password": DEMO_PASSWORD}
        ).json()["access_token"]
        demands = _demands(server.base)
        scenarios = {
            "baseline GET /search/products (the same demands' words, category, city)": [
                f"/api/v1/search/products?q={quote(d['title'][:60])}"
                f"&category_code={d['category_codes'][0]}&region_code={d['region_code']}"
                for d in demands
            ],
            "GET /demands/{id}/matches?kind=product": [
                f"/api/v1/demands/{d['id']}/matches?kind=product" for d in demands
            ],
            "GET /demands/{id}/matches?kind=provider": [
                f"/api/v1/demands/{d['id']}/matches?kind=provider" for d in demands
            ],
            "GET /demands/{id}/matches?kind=financing": [
                f"/api/v1/demands/{d['id']}/matches?kind=financing" for d in demands
            ],
        }
        scenarios[NO_CACHE + "GET /demands/{id}/matches?kind=product"] = scenarios[
            "GET /demands/{id}/matches?kind=product"
        ]
        bases = {name: uncached.base for name in scenarios if name.startswith(NO_CACHE)}
        auth = f"Bearer {token}"
        # Steady state: every path asked once before measuring, so the cached server answers from its
        # cache (the 'cache off' rows are what each request costs computed).
        warm_up(
            server.base, [p for name, paths in scenarios.items() if name not in bases for p in paths], auth
        )
        run_wrk(
            "warm-up",
            uncached.base,
            scenarios[NO_CACHE + "GET /demands/{id}/matches?kind=product"],
            seconds=3,
            auth=auth,
        )
        single = run_rounds(
            server.base, scenarios, seconds=scale.seconds, connections=1, threads=1, auth=auth, bases=bases
        )
        loaded = run_rounds(server.base, scenarios, seconds=scale.seconds, auth=auth, bases=bases)
        rss = server.rss_mb()
    baseline = "GET /search/products"
    return Measured(
        rows=[
            *http_rows("matching", single, load="1 connection", rss=rss, baseline=baseline),
            *http_rows("matching", loaded, load="wrk 2x16", rss=rss, baseline=baseline),
        ],
        notes=[
            f"PostgreSQL engine, {counts.get('products', 0):,} products indexed, {len(demands)} demands "
            f"asked for their matches as an admin; {harness.ROUNDS} interleaved rounds of {scale.seconds} s "
            "a scenario; RSS is the API process after the run. Target (issue 5): p95 under 100 ms one "
            "connection at a time; (issue 15) also at 16 connections. Every path is asked once before the "
            "rounds (steady state: the cached rows are cache hits); 'cache off' rows come from a second "
            "server with SEARCH_CACHE_SECONDS=0, where every request is computed."
        ],
    )


if __name__ == "__main__":
    harness.main("matching", run)
