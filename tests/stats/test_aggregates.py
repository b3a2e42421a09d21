"""The overview's maintained aggregates (migration 0010) count what a recount from the demands counts, for
every period shape, before and after the worker folds the deltas in, and while writers race."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import make_engine
from app.models import DemandFacts, Organization, Quote, StatsCellDelta
from app.models.demand import Demand
from app.stats.repository import Split, split_period
from tests.fixtures.factories import Account, make_uscc, published_demand
from tests.stats.conftest import feedback, quote

# The definitions the overview had before the aggregates, as one query straight over the demands: the
# oracle the cells must agree with.
RECOUNT = text(
    """
    SELECT count(*) AS demands,
           coalesce(sum(d.budget_max_cny), 0) AS posted_cny,
           count(*) FILTER (WHERE m.matched) AS matched,
           count(*) FILTER (WHERE d.contracted_at IS NOT NULL AND d.status <> 'closed') AS contracted,
           coalesce(sum(d.contracted_amount_cny)
                    FILTER (WHERE d.contracted_at IS NOT NULL AND d.status <> 'closed'), 0) AS contracted_cny,
           count(*) FILTER (WHERE m.financed) AS financed
    FROM demands d
    CROSS JOIN LATERAL (SELECT
        d.contracted_at IS NOT NULL
          OR EXISTS (SELECT 1 FROM quotes q WHERE q.demand_id = d.id AND q.status <> 'withdrawn')
          OR EXISTS (SELECT 1 FROM match_feedback f WHERE f.demand_id = d.id AND f.action = 'shortlist'
                     AND NOT EXISTS (SELECT 1 FROM match_feedback l WHERE l.demand_id = f.demand_id
                                     AND l.kind = f.kind AND l.target_id = f.target_id
                                     AND l.created_at > f.created_at)) AS matched,
        EXISTS (SELECT 1 FROM leads x WHERE x.demand_id = d.id AND x.status = 'approved') AS financed
    ) AS m
    WHERE d.published_at IS NOT NULL
      AND (CAST(:start AS date) IS NULL OR (d.published_at AT TIME ZONE 'Asia/Shanghai')::date >= :start)
      AND (CAST(:end AS date) IS NULL OR (d.published_at AT TIME ZONE 'Asia/Shanghai')::date <= :end)
      AND (CAST(:region AS text) IS NULL OR d.region_code = :region)
    """
)

PERIODS: list[tuple[str | None, str | None]] = [
    (None, None),  # all time: cells only
    ("2026-04-01", "2026-05-31"),  # whole months
    ("2026-04-10", "2026-06-20"),  # part, whole, part
    ("2026-04-10", "2026-04-20"),  # inside one month
    ("2026-04-30", "2026-05-01"),  # two part months, no whole one
    (None, "2026-05-15"),  # open start, part end
    ("2026-05-02", None),  # part start, open end
]


@pytest.mark.parametrize(
    ("start", "end", "split"),
    [
        (None, None, Split("0000-00", "9999-99", ())),
        (date(2026, 4, 1), date(2026, 5, 31), Split("2026-04", "2026-05", ())),
        (
            date(2026, 4, 10),
            date(2026, 6, 20),
            Split(
                "2026-05",
                "2026-05",
                ((date(2026, 4, 10), date(2026, 4, 30)), (date(2026, 6, 1), date(2026, 6, 20))),
            ),
        ),
        (
            date(2026, 4, 10),
            date(2026, 4, 20),
            Split("9999-99", "0000-00", ((date(2026, 4, 10), date(2026, 4, 20)),)),
        ),
        (date(2026, 2, 1), date(2026, 2, 28), Split("2026-02", "2026-02", ())),
        (
            date(2024, 2, 1),
            date(2024, 2, 28),
            Split("9999-99", "0000-00", ((date(2024, 2, 1), date(2024, 2, 28)),)),
        ),
        (
            date(2026, 12, 15),
            date(2027, 1, 31),
            Split("2027-01", "2027-01", ((date(2026, 12, 15), date(2026, 12, 31)),)),
        ),
        (None, date(2026, 5, 15), Split("0000-00", "2026-04", ((date(2026, 5, 1), date(2026, 5, 15)),))),
    ],
)
def test_a_period_splits_into_whole_months_and_days(
    start: date | None, end: date | None, split: Split
) -> None:
    assert split_period(start, end) == split


async def _recount(
    db: AsyncSession, start: str | None, end: str | None, region: str | None
) -> dict[str, int]:
    params = {
        "start": date.fromisoformat(start) if start else None,
        "end": date.fromisoformat(end) if end else None,
        "region": region,
    }
    row = (await db.execute(RECOUNT, params)).one()
    return {key: int(value) for key, value in row._mapping.items()}


async def _shown(
    client: httpx.AsyncClient, admin: Account, start: str | None, end: str | None, region: str | None
) -> dict[str, int]:
    params = {k: v for k, v in (("from", start), ("to", end), ("region_code", region)) if v}
    response = await client.get("/stats/overview", headers=admin.headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    by_region = {g["code"]: g["demands"] for g in body["by_region"]}
    assert sum(by_region.values()) == body["demands"]["total"]
    assert sum(body["demands"]["by_status"].values()) == body["demands"]["total"]
    assert sum(g["demands"] for g in body["by_task_type"]) == body["demands"]["total"]
    return {
        "demands": body["demands"]["total"],
        "posted_cny": body["investment_cny"]["posted"],
        "matched": body["demands"]["matched"],
        "contracted": body["demands"]["contracted"],
        "contracted_cny": body["investment_cny"]["contracted"],
        "financed": body["demands"]["financed"],
    }


async def _agrees(client: httpx.AsyncClient, admin: Account, db: AsyncSession) -> None:
    for start, end in PERIODS:
        for region in (None, "511100", "510100"):
            assert await _shown(client, admin, start, end, region) == await _recount(
                db, start, end, region
            ), (
                start,
                end,
                region,
            )


async def _place(db: AsyncSession, demand: dict[str, Any], published: datetime, **values: Any) -> None:
    await db.execute(
        update(Demand).where(Demand.id == uuid.UUID(demand["id"])).values(published_at=published, **values)
    )
    await db.flush()


async def test_the_cells_count_what_a_recount_counts_through_every_change(
    client: httpx.AsyncClient,
    admin: Account,
    enterprise: Account,
    supplier: Account,
    cohort: dict[str, dict[str, Any]],
    db: AsyncSession,
) -> None:
    financed, shortlisted, quoted, untouched = (
        cohort[k] for k in ("financed", "shortlisted", "quoted", "untouched")
    )
    # Spread over months and across a Beijing midnight (04-30 16:30 UTC is 05-01 00:30 in Beijing).
    await _place(db, financed, datetime(2026, 4, 12, 2, tzinfo=UTC))
    await _place(db, shortlisted, datetime(2026, 4, 30, 16, 30, tzinfo=UTC))
    await _place(db, quoted, datetime(2026, 5, 20, tzinfo=UTC), region_code="510100")
    await _place(db, untouched, datetime(2026, 6, 5, tzinfo=UTC))
    await _agrees(client, admin, db)

    # A quote withdrawn takes the match away; a shortlist dismissed too; a new quote makes one.
    (quote_row,) = (await client.get(f"/demands/{quoted['id']}/quotes", headers=enterprise.headers)).json()[
        "items"
    ]
    withdrawn = await client.post(f"/quotes/{quote_row['id']}/withdraw", headers=supplier.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    product_id = await db.scalar(text("SELECT target_id FROM match_feedback LIMIT 1"))
    await feedback(client, enterprise, shortlisted, str(product_id), "dismiss")
    await quote(client, supplier, untouched, 3_000_000)
    # A contracted deal closed falls through; a demand deleted leaves every cell.
    await db.execute(update(Demand).where(Demand.id == uuid.UUID(financed["id"])).values(status="closed"))
    extra = await published_demand(
        client, enterprise, region_code="511100", budget_min_cny=1_000_000, budget_max_cny=7_000_000
    )
    await _place(db, extra, datetime(2026, 5, 31, 16, 0, tzinfo=UTC))  # 06-01 00:00 Beijing
    await _agrees(client, admin, db)
    await db.execute(text("DELETE FROM demands WHERE id = :id"), {"id": uuid.UUID(extra["id"])})
    await db.flush()
    await _agrees(client, admin, db)
    assert await db.scalar(select(func.count()).select_from(DemandFacts)) == 4

    # The worker folds the deltas into the cells: nothing pending after, the same figures.
    pending = await db.scalar(select(func.count()).select_from(StatsCellDelta))
    assert pending is not None and pending > 0
    folded = await db.scalar(text("SELECT stats_compact()"))
    assert folded and folded > 0
    assert await db.scalar(select(func.count()).select_from(StatsCellDelta)) == 0
    await _agrees(client, admin, db)


async def test_racing_writers_on_one_demand_neither_fail_nor_miscount(
    migrated_scratch_database: str,
) -> None:
    """Two transactions change one demand at once (the owner's edit, and a supplier's quote): the second
    waits for the first, reads what it committed, and the facts end as a recount says."""
    engine = make_engine(migrated_scratch_database, pool_size=4)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with sessions() as session, session.begin():
            owner = Organization(
                name="虚构测试企业", kind="enterprise", uscc=make_uscc(), region_code="510100"
            )
            seller = Organization(
                name="虚构测试供应商", kind="supplier", uscc=make_uscc(), region_code="510100"
            )
            session.add_all([owner, seller])
            await session.flush()
            demand = Demand(
                organization_id=owner.id,
                title="测试需求",
                task_type="line_upgrade",
                industry_code="C3825",
                region_code="510100",
                category_codes=["photovoltaic.monocrystal_furnace"],
                budget_min_cny=0,
                budget_max_cny=1_000_000,
                status="published",
                published_at=datetime.now(UTC),
            )
            session.add(demand)
        edited = asyncio.Event()

        async def owner_edits() -> None:
            async with sessions() as session, session.begin():
                await session.execute(
                    update(Demand).where(Demand.id == demand.id).values(budget_max_cny=2_000_000)
                )
                edited.set()
                await asyncio.sleep(0.3)  # hold the demand while the quote arrives

        async def supplier_quotes() -> None:
            await edited.wait()
            async with sessions() as session, session.begin():
                session.add(
                    Quote(demand_id=demand.id, organization_id=seller.id, price_cny=900_000, delivery_days=30)
                )

        await asyncio.gather(owner_edits(), supplier_quotes())
        async with sessions() as session:
            facts = await session.get(DemandFacts, demand.id)
            assert facts is not None and (facts.posted_cny, facts.matched) == (2_000_000, True)
            total = (
                await session.execute(
                    text(
                        "SELECT sum(demands), sum(posted_cny), sum(matched) FROM ("
                        "SELECT demands, posted_cny, matched FROM stats_cells WHERE dimension = 'total' "
                        "UNION ALL SELECT demands, posted_cny, matched FROM stats_cell_deltas "
                        "WHERE dimension = 'total') AS counted"
                    )
                )
            ).one()
            assert tuple(int(v) for v in total) == (1, 2_000_000, 1)
    finally:
        await engine.dispose()
