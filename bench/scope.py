"""Scope checks at scale (issue 17): region-filtered reads with 100,000 published demands, for a 区县 and for
the province, against the SELECT 1 floor measured in the same run.

- `GET /demands?region_code=` for a 区县 (the filter takes the region and everything under it), for its
  市州, and unfiltered (the province's view), each a page of 20, newest first.
- `GET /diagnoses` for a county operator (scope prefix of six digits) and for the province operator (two).

The demands beyond the demo's are copies of a published demo demand spread over every 区县 and the last
two years, written in one statement (the bench measures reads, not the seed). Target: a county's page costs
no more than the province's (p95 within 1.5x) and stays ≥ 0.5 of the SELECT 1 floor's throughput.
"""

from __future__ import annotations

import httpx
import psycopg
from sqlalchemy.engine import make_url

from app.models.demand import Demand
from bench import floors, harness
from bench.floors import FloorServer
from bench.harness import Measured, Scale, Server, database_url, http_rows, prepare_data, run_rounds
from seed.demo import DEMO_PASSWORD
from seed.network import operator_email

DEMANDS = 100_000
COUNTY, CITY = "510603", "510600"
FLOOR_SELECT_1 = "floor: bare FastAPI + SQLAlchemy, SELECT 1"
COPIED = [
    c.name
    for c in Demand.__table__.columns
    if c.name not in ("id", "region_code", "published_at", "plan_item_id")
]


def _top_up(url: str, total: int) -> int:
    """Copies of one published demand until `total` demands are published; returns how many there are."""
    with psycopg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    ) as conn:
        have = conn.execute("SELECT count(*) FROM demands WHERE status = 'published'").fetchone()
        missing = total - int(have[0] if have else 0)
        if missing > 0:
            # The column names are the model's own, not input.
            columns, values = ", ".join(COPIED), ", ".join("d." + n for n in COPIED)
            conn.execute(
                f"""
                INSERT INTO demands (id, region_code, published_at, {columns})
                SELECT gen_random_uuid(), c.code, now() - (g * interval '10 minutes'), {values}
                FROM (SELECT * FROM demands WHERE status = 'published' LIMIT 1) d
                CROSS JOIN generate_series(1, %(n)s) g
                JOIN LATERAL (
                    SELECT code FROM regions WHERE level = 'county' ORDER BY code OFFSET (g %% 183) LIMIT 1
                ) c ON true
                """,  # noqa: S608
                {"n": missing},
            )
            conn.execute("ANALYZE demands")
        row = conn.execute("SELECT count(*) FROM demands WHERE status = 'published'").fetchone()
        return int(row[0] if row else 0)


def _token(base: str, email: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return f"Bearer {response.json()['access_token']}"


def run(scale: Scale) -> Measured:
    env = prepare_data(scale.data)
    with Server(env) as server:  # the server's start brings the embedded cluster up
        published = _top_up(database_url(env), DEMANDS)
        county = _token(server.base, operator_email(COUNTY))
        province = _token(server.base, operator_email("510000"))
        with FloorServer(database_url(env), b"{}") as floor:
            public = {
                FLOOR_SELECT_1: [floors.SELECT_1],
                f"GET /demands?region_code={COUNTY} (a 区县)": [
                    f"/api/v1/demands?limit=20&region_code={COUNTY}"
                ],
                f"GET /demands?region_code={CITY} (its 市州)": [
                    f"/api/v1/demands?limit=20&region_code={CITY}"
                ],
                "GET /demands (the province)": ["/api/v1/demands?limit=20"],
            }
            results = run_rounds(
                server.base, public, seconds=scale.seconds, bases={FLOOR_SELECT_1: floor.base}
            )
            results += run_rounds(
                server.base,
                {"GET /diagnoses (county operator)": ["/api/v1/diagnoses?limit=20"]},
                seconds=scale.seconds,
                auth=county,
            )
            results += run_rounds(
                server.base,
                {"GET /diagnoses (province operator)": ["/api/v1/diagnoses?limit=20"]},
                seconds=scale.seconds,
                auth=province,
            )
            rss = server.rss_mb()
    return Measured(
        rows=http_rows("scope", results, load="wrk 2x16", rss=rss, baseline=FLOOR_SELECT_1),
        notes=[
            f"{published:,} published demands (demo data x{scale.data} topped up with copies over the 183 "
            "区县); "
            f"{harness.ROUNDS} interleaved rounds of {scale.seconds} s a scenario; the operators' lists in "
            "rounds of their own (one token each). Ratios are to the SELECT 1 floor."
        ],
    )


if __name__ == "__main__":
    harness.main("scope", run)
