"""Matching over HTTP with 100,000 products in the index: GET /demands/{id}/matches?kind=product for 200
published demands, against the plain search call for the same demands (their title, category and city
as GET /search/products) in the same run.

Target (issue 5): p95 under 100 ms (one connection at a time, the latency one user sees).
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from bench.harness import Result, Server, prepare_data, run_rounds, run_wrk, table
from bench.search import _top_up, _url
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


def run(scale: int = 10, seconds: int = 5) -> list[Result]:
    env = prepare_data(scale)
    with Server(env) as server:
        counts = _top_up(_url(env))
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
        auth = f"Bearer {token}"
        run_wrk(
            "warm-up", server.base, scenarios["GET /demands/{id}/matches?kind=product"], seconds=3, auth=auth
        )
        single = run_rounds(server.base, scenarios, seconds=seconds, connections=1, threads=1, auth=auth)
        loaded = run_rounds(server.base, scenarios, seconds=seconds, auth=auth)
        rss = server.rss_mb()
    print(
        f"\nMatching, PostgreSQL engine, {counts.get('products')} products indexed, {len(demands)} demands; "
        f"3 interleaved rounds of {seconds} s; API RSS after the run {rss:.0f} MB"
    )
    print("One connection at a time (the latency one user sees):")
    print(table(single, single[0]))
    print("\nwrk 2 threads x 16 connections:")
    print(table(loaded, loaded[0]))
    return single + loaded


if __name__ == "__main__":
    run()
