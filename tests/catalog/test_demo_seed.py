"""`python -m app seed --demo` into a database of its own: counts, spread, statuses, and idempotence."""

from __future__ import annotations

import asyncio

from sqlalchemy import create_engine, text

from tests.fixtures.cli import run_cli


def _facts(url: str) -> dict[str, object]:
    engine = create_engine(url)
    with engine.connect() as conn:

        def one(sql: str) -> int:
            return int(conn.execute(text(sql)).scalar_one())

        facts = {
            "enterprises": one("SELECT count(*) FROM organizations WHERE kind = 'enterprise'"),
            "suppliers": one("SELECT count(*) FROM organizations WHERE kind = 'supplier'"),
            "providers": one("SELECT count(*) FROM organizations WHERE kind = 'provider'"),
            "banks": one("SELECT count(*) FROM organizations WHERE kind = 'bank'"),
            "products": one("SELECT count(*) FROM products"),
            "demands": one("SELECT count(*) FROM demands"),
            "demand_regions": one("SELECT count(DISTINCT region_code) FROM demands"),
            "demand_industries": one("SELECT count(DISTINCT industry_code) FROM demands"),
            "product_categories": one("SELECT count(DISTINCT category_code) FROM products"),
            "demand_statuses": set(conn.execute(text("SELECT DISTINCT status FROM demands")).scalars()),
            "product_statuses": set(conn.execute(text("SELECT DISTINCT status FROM products")).scalars()),
            "financing_products": one("SELECT count(*) FROM financing_products"),
            "users": one("SELECT count(*) FROM users"),
        }
    engine.dispose()
    return facts


async def test_demo_marketplace_is_realistic_and_loads_once(scratch_database: str) -> None:
    first = await asyncio.to_thread(run_cli, scratch_database, "seed", "--demo")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "products" in first.stderr and "2000/2000" in first.stderr  # the progress bar
    facts = await asyncio.to_thread(_facts, scratch_database)
    assert facts["enterprises"] == 300 and facts["suppliers"] == 120
    assert facts["providers"] == 40 and facts["banks"] == 10
    assert facts["products"] == 2000 and facts["demands"] == 1000
    assert facts["demand_regions"] == 21
    assert facts["demand_industries"] >= 25  # type: ignore[operator]
    assert facts["product_categories"] >= 100  # type: ignore[operator]
    assert {"draft", "published", "contracted"} <= facts["demand_statuses"]  # type: ignore[operator]
    assert {"draft", "pending_review", "listed"} <= facts["product_statuses"]  # type: ignore[operator]
    assert facts["financing_products"] >= 20  # type: ignore[operator]
    second = await asyncio.to_thread(run_cli, scratch_database, "seed", "--demo")
    assert second.returncode == 0
    assert "already loaded" in second.stdout
    assert await asyncio.to_thread(_facts, scratch_database) == facts
