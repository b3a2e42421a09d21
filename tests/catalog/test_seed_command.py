"""`python -m app seed` against the test cluster: idempotent, and it reports what it wrote."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
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
    assert before[0] == 21
    assert "regions" in second.stdout
