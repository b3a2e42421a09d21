"""`python -m app import`: the same all-or-nothing import from the command line, with progress logged."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from app.models.demand import Demand
from app.models.organization import Organization
from tests.fixtures.cli import run_cli
from tests.fixtures.factories import make_uscc
from tests.spreadsheets.test_spreadsheets import DEMAND_HEADERS, demand_row, workbook


def _scenario(database_url: str, tmp_path: Path) -> None:
    assert run_cli(database_url, "seed").returncode == 0
    made = run_cli(database_url, "create-admin", "--email", "ops@example.com", "--password", "ops-password-1")
    assert made.returncode == 0, made.stderr
    engine = create_engine(database_url)
    uscc, enterprise_id = make_uscc(), uuid.uuid4()
    with Session(engine) as session, session.begin():
        enterprise = Organization(
            id=enterprise_id,
            name="川南机械",
            kind="enterprise",
            uscc=uscc,
            region_code="511100",
            vetting_status="vetted",
        )
        session.add(enterprise)
    sheet = tmp_path / "需求清单.xlsx"
    sheet.write_bytes(
        workbook(DEMAND_HEADERS, [demand_row(uscc, "一号线改造"), demand_row(uscc, "二号线改造")])
    )

    dry = run_cli(
        database_url,
        "import",
        "demands",
        str(sheet),
        "--admin-email",
        "ops@example.com",
        "--dry-run",
        log_json=True,
    )
    assert dry.returncode == 0, dry.stderr
    assert "demands: 2 rows, 2 accepted, 0 rejected, 0 imported (dry run)" in dry.stdout
    assert '"spreadsheet.import.progress"' in dry.stderr and '"phase": "validate"' in dry.stderr

    done = run_cli(database_url, "import", "demands", str(sheet), "--admin-email", "ops@example.com")
    assert done.returncode == 0 and "2 imported" in done.stdout

    again = run_cli(database_url, "import", "demands", str(sheet), "--admin-email", "ops@example.com")
    assert again.returncode == 1 and "rejected" in again.stderr
    assert "row      2    B  需求名称: 需求名称 already exists for this organization" in again.stdout

    stranger = run_cli(database_url, "import", "demands", str(sheet), "--admin-email", "nobody@example.com")
    assert stranger.returncode == 1 and "create-admin" in stranger.stderr
    with Session(engine) as session:
        stored = session.scalar(
            select(func.count()).select_from(Demand).where(Demand.organization_id == enterprise_id)
        )
    engine.dispose()
    assert stored == 2


async def test_the_import_command(scratch_database: str, tmp_path: Path) -> None:
    await asyncio.to_thread(_scenario, scratch_database, tmp_path)
