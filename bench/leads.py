"""Leads at volume: shared demands published against lead subscriptions with webhooks to a local
receiver (10,000 demands x 200 subscriptions at the large scale). Reports leads created per second (the
lead part of each publication's transaction: `app.leads.service.offer`), webhook deliveries per second (two
relays sharing one client, as `python -m app worker` runs them) and the time until the delivery backlog is
empty.

The baseline, measured in the same run, is the relays' HTTP alone: `relay.send` of a real lead event
(signed, to the same receiver, through the same client, as many in flight as the two relays allow) with no
database around it. Deliveries over it is the share of the sending capacity left after claiming, leasing
and recording; leads created over it says whether publications outrun what could ever be delivered.

    python -m bench.leads [--scale small|medium|large|N]

Runs against the demo data x1 cluster (its vetted enterprises and banks) at every scale; the demands and
subscriptions it adds are removed afterwards.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import make_engine, make_sessionmaker, resolve_database_url, stop_embedded_if_started
from app.leads import relay, webhooks
from app.leads import service as leads
from app.models import Demand, Lead, LeadSubscription, Organization, WebhookAttempt, WebhookDelivery
from app.models.base import utcnow
from bench import harness
from bench.harness import PROJECT_ROOT, Measured, Row, Scale, free_port, prepare_data, rss_mb

REGIONS = ["510100", "510300", "510500", "510600", "510700", "511100", "511300", "511500", "511700", "513400"]
TASKS = ["line_upgrade", "smart_digital", "environmental", "safety", "micro"]


async def _clean(sessionmaker: async_sessionmaker[AsyncSession], prefix: str) -> None:
    async with sessionmaker() as session, session.begin():
        subs = select(LeadSubscription.id).where(LeadSubscription.name.like(f"{prefix}%"))
        await session.execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id.in_(subs)))
        await session.execute(delete(Lead).where(Lead.subscription_id.in_(subs)))
        await session.execute(delete(LeadSubscription).where(LeadSubscription.name.like(f"{prefix}%")))
        await session.execute(delete(Demand).where(Demand.title.like(f"{prefix}%")))


@dataclass
class Sends:
    """The baseline's figures: each `relay.send` timed, and how many did not answer 2xx."""

    durations_ms: list[float]
    seconds: float
    errors: int


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _raw_sends(
    http: httpx.AsyncClient,
    delivery: WebhookDelivery,
    sub: LeadSubscription,
    settings: Settings,
    *,
    seconds: float,
    in_flight: int,
) -> Sends:
    """`relay.send` of one real event again and again for `seconds`, `in_flight` at a time, no database."""
    durations: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def sender() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            started = time.perf_counter()
            code, _ = await relay.send(http, delivery, sub, settings)
            durations.append((time.perf_counter() - started) * 1000)
            errors += code is None or not 200 <= code < 300

    started = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(in_flight)))
    return Sends(durations, time.monotonic() - started, errors)


async def _measure(scale: Scale, base: str, relays: int = 2) -> Measured:
    demands, subscriptions = scale.lead_demands, scale.lead_subscriptions
    env = prepare_data(1)
    settings = Settings(
        _env_file=None,
        database_url=env.get("DATABASE_URL"),
        embedded_pg_dir=env.get("EMBEDDED_PG_DIR"),
        webhook_allow_hosts=["127.0.0.1"],
        log_json=True,
    )
    engine = make_engine(resolve_database_url(settings), pool_size=relays + 4)
    sessionmaker = make_sessionmaker(engine)
    rng = random.Random(5)
    marker = f"bench-{uuid.uuid4().hex[:8]}"
    await _clean(sessionmaker, "bench-")  # leftovers of an interrupted run
    try:
        async with sessionmaker() as session, session.begin():
            banks = (
                await session.scalars(
                    select(Organization.id).where(
                        Organization.kind == "bank", Organization.vetting_status == "vetted"
                    )
                )
            ).all()
            enterprises = (
                await session.scalars(
                    select(Organization.id).where(
                        Organization.kind == "enterprise", Organization.vetting_status == "vetted"
                    )
                )
            ).all()
            template = await session.scalar(select(Demand).where(Demand.status == "published").limit(1))
            assert template is not None and banks and enterprises
            for i in range(subscriptions):
                # Realistic criteria: a few cities, some tasks, an amount band.
                sub_id = uuid.uuid4()
                session.add(
                    LeadSubscription(
                        id=sub_id,
                        organization_id=banks[i % len(banks)],
                        name=f"{marker}-{i}",
                        region_codes=rng.sample(REGIONS, 3),
                        task_types=rng.sample(TASKS, 2),
                        amount_min_cny=rng.choice([None, 1_000_000]),
                        amount_max_cny=rng.choice([None, 50_000_000]),
                        webhook_url=f"{base}/bank/{i}",
                        webhook_secret=webhooks.seal_secret(
                            settings.signing_key, str(sub_id), webhooks.new_secret()
                        ),
                    )
                )
            now = utcnow()
            made = []
            for i in range(demands):
                demand = Demand(
                    organization_id=enterprises[i % len(enterprises)],
                    title=f"{marker} 设备更新融资 {i}",
                    description="",
                    task_type=rng.choice(TASKS),
                    industry_code=template.industry_code,
                    region_code=rng.choice(REGIONS),
                    category_codes=list(template.category_codes),
                    budget_min_cny=2_000_000,
                    budget_max_cny=8_000_000,
                    needs_equipment=True,
                    financing_amount_cny=rng.choice([3_000_000, 5_000_000, 20_000_000]),
                    financing_term_months=36,
                    share_with_banks=True,
                    status="published",
                    published_at=now - timedelta(seconds=demands - i),
                )
                session.add(demand)
                made.append(demand)
            await session.flush()
            ids = [d.id for d in made]
        print(
            f"{subscriptions} subscriptions and {demands} shared demands written; offering leads …",
            file=sys.stderr,
        )

        started = time.monotonic()
        created = 0
        offer_ms: list[float] = []
        for start in range(0, len(ids), 100):  # publications commit in their own transactions
            async with sessionmaker() as session, session.begin():
                for demand in (
                    await session.scalars(select(Demand).where(Demand.id.in_(ids[start : start + 100])))
                ).all():
                    offer_started = time.perf_counter()
                    created += await leads.offer(session, demand)
                    offer_ms.append((time.perf_counter() - offer_started) * 1000)
        offer_seconds = time.monotonic() - started
        offer_rss = rss_mb()
        print(f"leads: {created:,} in {offer_seconds:.1f} s; delivering …", file=sys.stderr)

        async with sessionmaker() as session:
            sample = (
                await session.execute(
                    select(WebhookDelivery, LeadSubscription)
                    .join(LeadSubscription, LeadSubscription.id == WebhookDelivery.subscription_id)
                    .where(LeadSubscription.name.like(f"{marker}%"))
                    .limit(1)
                )
            ).one()
        async with httpx.AsyncClient(
            trust_env=False,
            limits=httpx.Limits(max_connections=int(os.environ.get("BENCH_CONNECTIONS", "10"))),
        ) as http:
            # The baseline in two halves, before and after the drain, so drift hits both alike.
            half = harness.ROUNDS * scale.seconds / 2
            in_flight = relays * relay.CONCURRENCY
            before = await _raw_sends(http, *sample, settings, seconds=half, in_flight=in_flight)

            async def drain(name: str) -> int:
                total = 0
                while moved := await relay.deliver_once(sessionmaker, http, settings, worker=name, batch=100):
                    total += moved
                return total

            started = time.monotonic()
            sent = sum(await asyncio.gather(*(drain(f"bench-relay-{k}") for k in range(relays))))
            drain_seconds = time.monotonic() - started
            drain_rss = rss_mb()
            after = await _raw_sends(http, *sample, settings, seconds=half, in_flight=in_flight)
        baseline = Sends(
            before.durations_ms + after.durations_ms,
            before.seconds + after.seconds,
            before.errors + after.errors,
        )
        async with sessionmaker() as session:
            mine = (
                select(WebhookDelivery.id)
                .join(LeadSubscription, LeadSubscription.id == WebhookDelivery.subscription_id)
                .where(LeadSubscription.name.like(f"{marker}%"))
            )

            async def count(status: str) -> int:
                return (
                    await session.scalar(
                        select(func.count()).where(
                            WebhookDelivery.id.in_(mine), WebhookDelivery.status == status
                        )
                    )
                ) or 0

            succeeded, pending = await count("succeeded"), await count("pending")
            attempt_p50, attempt_p95 = (
                await session.execute(
                    select(
                        func.percentile_cont(0.5).within_group(WebhookAttempt.duration_ms),
                        func.percentile_cont(0.95).within_group(WebhookAttempt.duration_ms),
                    ).where(WebhookAttempt.delivery_id.in_(mine))
                )
            ).one()

        await _clean(sessionmaker, marker)
    finally:
        await engine.dispose()
        stop_embedded_if_started()

    posts_per_second = len(baseline.durations_ms) / baseline.seconds
    load = f"{relays} relays, {in_flight} in flight"
    name = "relay.send alone"
    rows = [
        Row(
            benchmark="leads",
            scenario="baseline relay.send alone (a real signed event to the receiver, no database)",
            load=load,
            throughput=posts_per_second,
            unit="POST/s",
            p50_ms=_percentile(baseline.durations_ms, 0.5),
            p95_ms=_percentile(baseline.durations_ms, 0.95),
            rss_mb=drain_rss,
            errors=baseline.errors,
            baseline=name,
            ratio=1.0,
            note=(
                f"{len(baseline.durations_ms):,} POSTs in {baseline.seconds:.1f} s, half before and half "
                "after the drain"
            ),
        ),
        Row(
            benchmark="leads",
            scenario="leads created (app.leads.service.offer, 100 publications a transaction)",
            load="1 session",
            throughput=created / offer_seconds,
            unit="leads/s",
            p50_ms=_percentile(offer_ms, 0.5),
            p95_ms=_percentile(offer_ms, 0.95),
            rss_mb=offer_rss,
            baseline=name,
            ratio=created / offer_seconds / posts_per_second,
            note=(
                f"{created:,} leads in {offer_seconds:.1f} s; {demands / offer_seconds:,.0f} publications/s, "
                f"{created / demands:.1f} leads a demand; p50/p95 per publication"
            ),
        ),
        Row(
            benchmark="leads",
            scenario="webhook deliveries (claim, send, record; until the backlog is empty)",
            load=load,
            throughput=succeeded / drain_seconds,
            unit="deliveries/s",
            p50_ms=attempt_p50,
            p95_ms=attempt_p95,
            rss_mb=drain_rss,
            errors=sent - succeeded + pending,
            baseline=name,
            ratio=succeeded / drain_seconds / posts_per_second,
            note=(
                f"{succeeded:,} of {created:,} delivered; backlog empty after {drain_seconds:.1f} s, "
                f"{pending} pending; p50/p95 per attempt (webhook_attempts.duration_ms, whole ms)"
            ),
        ),
    ]
    return Measured(
        rows=rows,
        notes=[
            f"{demands:,} shared demands x {subscriptions} subscriptions (demo data x1's banks; each "
            "subscription 3 of 10 cities, 2 of 5 tasks, some with an amount band), webhooks to a local "
            "receiver in its own process; PostgreSQL, the receiver and the relays share the machine. RSS is "
            "this process (the one offering and delivering). Baseline: relay.send alone, the same HTTP "
            "exchange with no claim, lease or record, so deliveries' ratio is the share of the sending "
            "capacity the bookkeeping leaves; ratio > 1 on leads created means leads are made faster than "
            "they could ever be sent."
        ],
    )


def run(scale: Scale) -> Measured:
    port = free_port()
    receiver = subprocess.Popen(  # noqa: S603 - our own bench receiver, in its own process
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.receiver:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=PROJECT_ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/stats")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        measured = asyncio.run(_measure(scale, base))
        stats = httpx.get(f"{base}/stats").json()
        measured.notes.append(
            f"The receiver counted {stats['requests']:,} requests and {stats['distinct_ids']:,} distinct "
            "webhook-ids (the baseline repeats one event's id)."
        )
        return measured
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


if __name__ == "__main__":
    harness.main("leads", run)
