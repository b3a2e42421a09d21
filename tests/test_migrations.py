"""Every migration upgrades and downgrades on real PostgreSQL, and head matches the models."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from app.db import PROJECT_ROOT
from app.models import Base
from search.postgres import metadata as search_metadata


def _config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolation
    config.attributes["configure_logger"] = False
    return config


def _walk(url: str) -> list[str]:
    config = _config(url)
    revisions = [s.revision for s in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]
    for revision in revisions:  # up one step at a time
        command.upgrade(config, revision)
    for _ in revisions:  # and down again, one step at a time
        command.downgrade(config, "-1")
    command.upgrade(config, "head")
    return revisions


def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}),
            [Base.metadata, search_metadata],  # type: ignore[arg-type]  # alembic accepts a sequence
        )
    engine.dispose()
    return list(diff)


async def test_every_migration_goes_up_and_down(scratch_database: str) -> None:
    revisions = await asyncio.to_thread(_walk, scratch_database)
    assert revisions, "no migrations found"
    assert await asyncio.to_thread(_diff, scratch_database) == []
