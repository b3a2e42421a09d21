"""Leads at volume: 10,000 shared demands published against 200 lead subscriptions with webhooks to a
local receiver. Reports leads created per second (the lead part of each publication's transaction:
`app.leads.service.offer`), webhook deliveries per second (two relays, as `python -m app worker` runs
them), and the time until the delivery backlog is empty.

    python -m bench.leads [--demands 10000] [--subscriptions 200] [--relays 2]

Runs against the demo data x1 cluster (its vetted enterprises and banks); the demands and subscriptions
it adds are removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import make_engine, make_sessionmaker, resolve_database_url
from app.leads import relay, webhooks
from app.leads import service as leads
from app.models import Demand, Lead, LeadSubscription, Organization, WebhookDelivery
from app.models.base import utcnow
from bench.harness import PROJECT_ROOT, free_port, prepare_data

REGIONS = ["510100", "510300", "510500", "510600", "510700", "511100", "511300", "511500", "511700", "513400"]
TASKS = ["line_upgrade", "smart_digital", "environmental", "safety", "micro"]


async def _clean(sessionmaker: async_sessionmaker[AsyncSession], prefix: str) -> None:
    async with sessionmaker() as session, session.begin():
        subs = select(LeadSubscription.id).where(LeadSubscription.name.like(f"{prefix}%"))
        await session.execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id.in_(subs)))
        await session.execute(delete(Lead).where(Lead.subscription_id.in_(subs)))
        await session.execute(delete(LeadSubscription).where(LeadSubscription.name.like(f"{prefix}%")))
        await session.execute(delete(Demand).where(Demand.title.like(f"{prefix}%")))


async def run_async(demands: int, subscriptions: int, relays: int, base: str) -> str:
    env = prepare_data(1)
    os.environ["EMBEDDED_PG_DIR"] = env["EMBEDDED_PG_DIR"]
    settings = Settings(_env_file=None, webhook_allow_hosts=["127.0.0.1"], log_json=True)
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
                session.add(
                    LeadSubscription(
                        organization_id=banks[i % len(banks)],
                        name=f"{marker}-{i}",
                        region_codes=rng.sample(REGIONS, 3),
                        task_types=rng.sample(TASKS, 2),
                        amount_min_cny=rng.choice([None, 1_000_000]),
                        amount_max_cny=rng.choice([None, 50_000_000]),
                        webhook_url=f"{base}/bank/{i}",
                        webhook_secret=webhooks.new_secret(),
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
        print(f"{subscriptions} subscriptions and {demands} shared demands written; offering leads …")

        started = time.monotonic()
        created = 0
        for start in range(0, len(ids), 100):  # publications commit in their own transactions
            async with sessionmaker() as session, session.begin():
                for demand in (
                    await session.scalars(select(Demand).where(Demand.id.in_(ids[start : start + 100])))
                ).all():
                    created += await leads.offer(session, demand)
        offer_seconds = time.monotonic() - started
        print(
            f"leads: {created:,} in {offer_seconds:.1f} s = {created / offer_seconds:,.0f} leads/s "
            f"({demands / offer_seconds:,.0f} publications/s, {created / demands:.1f} leads a demand)"
        )

        started = time.monotonic()
        async with httpx.AsyncClient(
            trust_env=False,
            limits=httpx.Limits(max_connections=int(os.environ.get("BENCH_CONNECTIONS", "10"))),
        ) as http:

            async def drain(name: str) -> int:
                total = 0
                while moved := await relay.deliver_once(sessionmaker, http, settings, worker=name, batch=100):
                    total += moved
                return total

            sent = sum(await asyncio.gather(*(drain(f"bench-relay-{k}") for k in range(relays))))
        drain_seconds = time.monotonic() - started
        async with sessionmaker() as session:
            succeeded = await session.scalar(
                select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "succeeded")
            )
            pending = await session.scalar(
                select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "pending")
            )
        print(
            f"webhooks: {sent:,} attempts, {succeeded:,} delivered by {relays} relays "
            f"in {drain_seconds:.1f} s = {(succeeded or 0) / drain_seconds:,.0f} deliveries/s; "
            f"backlog empty after {drain_seconds:.1f} s "
            f"(pending left: {pending})"
        )

        await _clean(sessionmaker, marker)
    finally:
        await engine.dispose()
    return base


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.leads")
    parser.add_argument("--demands", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=200)
    parser.add_argument("--relays", type=int, default=2)
    args = parser.parse_args()
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
        asyncio.run(run_async(args.demands, args.subscriptions, args.relays, base))
        print(f"receiver: {httpx.get(f'{base}/stats').json()}")
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


if __name__ == "__main__":
    main()
