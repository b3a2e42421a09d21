"""Attachments and conversations (issue 16).

- Upload and download throughput of a 10 MB PDF through the API (multipart in; bytes out from the local
  store), each against a plain copy of the same file on the same disk, measured in the same run (ratio).
- A thread of 10,000 messages: the first and deeper pages of `GET /conversations/{id}/messages` and the
  thread list `GET /conversations` under wrk, with p95, against the bare FastAPI + SELECT 1 floor.

Targets: upload ≥ 0.02 and download ≥ 0.05 of a file copy's throughput (the API parses multipart, hashes,
sniffs and writes, and both cross loopback HTTP; a copy only copies within the page cache); a page of a
10,000-message thread ≥ 0.4 of `GET /me`, the cheapest logged-in read, measured alongside (the page
must cost what any logged-in read costs, whatever the thread's length).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bench import floors, harness
from bench.floors import FloorServer
from bench.harness import (
    Measured,
    Row,
    Scale,
    Server,
    database_url,
    http_rows,
    prepare_data,
    run_rounds,
    run_wrk,
)
from seed.demo import DEMO_PASSWORD

MB = 1024 * 1024
PDF_BYTES = 10 * MB
MESSAGES = 10_000
FLOOR_SELECT_1 = "floor: bare FastAPI + SQLAlchemy, SELECT 1"
ME = "GET /me (the cheapest logged-in read)"
PRODUCT = {
    "name": "基准测试用单晶炉",
    "model": "BENCH-1",
    "category_code": "photovoltaic.monocrystal_furnace",
    "industry_codes": ["C3825"],
    "description": "基准测试产品（草稿，不上架）。",
    "price_min_cny": 1_800_000,
    "price_max_cny": 2_600_000,
    "energy_grade": 1,
    "made_in_sichuan": True,
    "service_region_codes": ["510100"],
    "lead_time_days": 60,
    "certifications": [],
}


def _pdf(size: int) -> bytes:
    head = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% "
    tail = b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return head + b"x" * (size - len(head) - len(tail)) + tail


def _conninfo(env: dict[str, str]) -> str:
    return make_url(database_url(env)).set(drivername="postgresql").render_as_string(hide_password=False)


def _accounts(conninfo: str) -> tuple[str, str, str]:
    """A published demand's id and its enterprise's login, and a vetted supplier's login (demo data)."""
    with psycopg.connect(conninfo) as conn:
        demand = conn.execute(
            "SELECT d.id, u.email FROM demands d JOIN users u ON u.organization_id = d.organization_id "
            "WHERE d.status = 'published' AND u.role = 'owner' ORDER BY d.published_at LIMIT 1"
        ).fetchone()
        supplier = conn.execute(
            "SELECT u.email FROM users u JOIN organizations o ON o.id = u.organization_id "
            "WHERE o.kind = 'supplier' AND o.vetting_status = 'vetted' AND u.is_active "
            "ORDER BY u.created_at LIMIT 1"
        ).fetchone()
    assert demand is not None and supplier is not None, "the demo data has no published demand or supplier"
    return str(demand[0]), str(demand[1]), str(supplier[0])


def _token(client: httpx.Client, email: str) -> str:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD})
    response.raise_for_status()
    return str(response.json()["access_token"])


def _copy_rate(data: bytes, rounds: int) -> float:
    """MB/s of copying the file on the same disk (write it once, then copy it `rounds` times)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "source.pdf"
        source.write_bytes(data)
        started = time.perf_counter()
        for i in range(rounds):
            shutil.copyfile(source, Path(folder) / f"copy-{i}.pdf")
        return rounds * len(data) / MB / (time.perf_counter() - started)


def _transfer_rates(
    client: httpx.Client, headers: dict[str, str], product_id: str, data: bytes, rounds: int
) -> tuple[float, float, str]:
    started = time.perf_counter()
    ids = []
    for i in range(rounds):
        response = client.post(
            f"/api/v1/products/{product_id}/attachments",
            headers=headers,
            files={"file": (f"规格书-{i}.pdf", data, "application/pdf")},
            data={"purpose": "spec_sheet"},
        )
        response.raise_for_status()
        ids.append(response.json()["id"])
    upload = rounds * len(data) / MB / (time.perf_counter() - started)
    started = time.perf_counter()
    for attachment_id in ids:
        with client.stream("GET", f"/api/v1/attachments/{attachment_id}", headers=headers) as response:
            response.raise_for_status()
            size = sum(len(chunk) for chunk in response.iter_bytes())
            assert size == len(data)
    download = rounds * len(data) / MB / (time.perf_counter() - started)
    for attachment_id in ids:
        client.delete(f"/api/v1/attachments/{attachment_id}", headers=headers).raise_for_status()
    return upload, download, ids[0]


def _thread(client: httpx.Client, conninfo: str, demand_id: str, supplier: dict[str, str]) -> str:
    """A conversation with MESSAGES messages (the first through the API, the rest written directly)."""
    response = client.post(
        f"/api/v1/demands/{demand_id}/conversations", headers=supplier, json={"message": "请问交货期？"}
    )
    response.raise_for_status()
    conversation = response.json()
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT counterpart_id, owner_id FROM conversations WHERE id = %s", (conversation["id"],)
        ).fetchone()
        assert row is not None
        counterpart, owner = row
        have = conn.execute(
            "SELECT count(*) FROM conversation_messages WHERE conversation_id = %s", (conversation["id"],)
        ).fetchone()
        missing = MESSAGES - int(have[0] if have else 0)
        if missing > 0:
            conn.execute(
                "INSERT INTO conversation_messages "
                "(id, conversation_id, sender_organization_id, body, created_at) "
                "SELECT gen_random_uuid(), %s, CASE WHEN n %% 2 = 0 THEN %s ELSE %s END::uuid, "
                "'第' || n || '条：关于设备参数、报价和交货期的沟通。', now() - (n || ' seconds')::interval "
                "FROM generate_series(1, %s) AS n",
                (conversation["id"], counterpart, owner, missing),
            )
        # As autovacuum would soon after such a burst: without statistics the planner sorts the thread.
        conn.execute("ANALYZE conversation_messages")
    return str(conversation["id"])


def _cursors(client: httpx.Client, headers: dict[str, str], conversation_id: str, pages: int) -> list[str]:
    paths, cursor = [], None
    for _ in range(pages):
        path = f"/api/v1/conversations/{conversation_id}/messages?limit=50"
        if cursor:
            path += f"&cursor={cursor}"
        paths.append(path)
        cursor = client.get(path, headers=headers).json()["next_cursor"]
        if cursor is None:
            break
    return paths


def run(scale: Scale) -> Measured:
    env = prepare_data(scale.data)
    data = _pdf(PDF_BYTES)
    rounds = 8
    with Server(env) as server, httpx.Client(base_url=server.base, timeout=120) as client:
        conninfo = _conninfo(env)  # the server has started the embedded cluster
        demand_id, enterprise_email, supplier_email = _accounts(conninfo)
        supplier = {"Authorization": f"Bearer {_token(client, supplier_email)}"}
        product = client.post("/api/v1/products", headers=supplier, json=PRODUCT)
        product.raise_for_status()
        copy = _copy_rate(data, rounds)
        upload, download, _ = _transfer_rates(client, supplier, product.json()["id"], data, rounds)
        rss_after_files = server.rss_mb()
        conversation_id = _thread(client, conninfo, demand_id, supplier)
        enterprise = f"Bearer {_token(client, enterprise_email)}"
        pages = _cursors(client, {"Authorization": enterprise}, conversation_id, pages=20)
        with FloorServer(database_url(env), b"{}") as floor:
            scenarios = {
                FLOOR_SELECT_1: [floors.SELECT_1],
                ME: ["/api/v1/me"],
                "GET /conversations/{id}/messages (first page, 50)": [pages[0]],
                "GET /conversations/{id}/messages (pages 2-20)": pages[1:],
                "GET /conversations": ["/api/v1/conversations?limit=20"],
            }
            run_wrk("warm-up", server.base, pages, seconds=2, auth=enterprise)
            results = run_rounds(
                server.base,
                scenarios,
                seconds=scale.seconds,
                auth=enterprise,
                bases={FLOOR_SELECT_1: floor.base},
            )
            rss = server.rss_mb()
    rows = [
        Row("files", "plain file copy, 10 MB", f"{rounds} x 1", copy, "MB/s", baseline="", ratio=1.0),
        Row(
            "files",
            "POST …/attachments, 10 MB PDF",
            f"{rounds} x 1",
            upload,
            "MB/s",
            rss_mb=rss_after_files,
            baseline="plain file copy, 10 MB",
            ratio=upload / copy,
        ),
        Row(
            "files",
            "GET /attachments/{id}, 10 MB PDF",
            f"{rounds} x 1",
            download,
            "MB/s",
            rss_mb=rss_after_files,
            baseline="plain file copy, 10 MB",
            ratio=download / copy,
        ),
        *http_rows(
            "files",
            results,
            load="wrk 2x16",
            rss=rss,
            baseline=FLOOR_SELECT_1,
            baselines={name: ME for name in scenarios if name.startswith("GET /conversations")},
        ),
    ]
    return Measured(
        rows=rows,
        notes=[
            f"demo data x{scale.data}. Files: {rounds} uploads of one 10 MB PDF one after another over HTTP "
            "on loopback, then {rounds} streamed downloads, against copying the same file on the same disk "
            "{rounds} times (shutil.copyfile). Thread: one conversation of 10,000 messages; pages of 50 "
            f"newest first; {harness.ROUNDS} interleaved rounds of {scale.seconds} s under wrk; the floor is "
            "bare FastAPI + SQLAlchemy doing SELECT 1 (bench/floors.py).".replace("{rounds}", str(rounds))
        ],
    )


if __name__ == "__main__":
    harness.main("files", run)
