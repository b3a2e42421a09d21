"""`python -m app seed` against the test cluster: idempotent, it reports what it wrote, and it never loads
the demo marketplace into a production database."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import EquipmentCategory, Industry, Region
from tests.fixtures.cli import run_cli


async def _counts(engine: AsyncEngine) -> tuple[int, int, int]:
    async with engine.connect() as conn:
        return (
            (await conn.execute(select(func.count()).select_from(Region))).scalar_one(),
            (await conn.execute(select(func.count()).select_from(Industry))).scalar_one(),
            (await conn.execute(select(func.count()).select_from(EquipmentCategory))).scalar_one(),
        )


@pytest.mark.usefixtures("engine")
async def test_seed_twice_changes_nothing_the_second_time(engine: AsyncEngine, database_url: str) -> None:
    first = run_cli(database_url, "seed")
    assert first.returncode == 0, first.stderr
    before = await _counts(engine)
    second = run_cli(database_url, "seed")
    assert second.returncode == 0, second.stderr
    assert await _counts(engine) == before
    assert before[0] == 1 + 21 + 183  # the province, its 市州 and 区县
    assert "regions" in second.stdout


def _table_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
                ).scalar_one()
            )
    finally:
        engine.dispose()


async def test_the_demo_is_refused_in_production_before_anything_is_written(
    scratch_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "production-secret-" + "p" * 40)
    refused = await asyncio.to_thread(run_cli, scratch_database, "seed", "--demo")
    assert refused.returncode != 0
    assert "--demo is refused when APP_ENV=production" in refused.stderr
    assert "without --demo" in refused.stderr  # what to do instead
    # Not even migrated: the refusal comes before the catalog and the demo.
    assert await asyncio.to_thread(_table_count, scratch_database) == 0
    # The catalog alone is still what production loads.
    catalog = await asyncio.to_thread(run_cli, scratch_database, "seed")
    assert catalog.returncode == 0, catalog.stderr
    assert "regions" in catalog.stdout
