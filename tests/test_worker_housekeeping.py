"""The worker purges spent idempotency keys and throttle counters on its schedule (at start, then every
ten minutes), and keeps what is still live."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from app.models.account import RateLimitBucket, User
from app.models.base import utcnow
from app.models.demand import Demand
from app.models.idempotency import IdempotencyKey
from app.models.mail import MailMessage
from app.models.organization import Organization
from tests.fixtures.cli import run_cli
from tests.fixtures.factories import make_uscc


def test_worker_purges_spent_keys_and_counters(migrated_scratch_database: str) -> None:
    now = utcnow()
    engine = create_engine(migrated_scratch_database)
    with Session(engine) as session, session.begin():
        org = Organization(name="测试企业", kind="enterprise", uscc=make_uscc(), vetting_status="vetted")
        session.add(org)
        session.flush()
        user = User(
            email="keeper@example.com", name="k", password_hash="x", organization_id=org.id, role="owner"
        )
        session.add(user)
        session.flush()
        for key, age in (("spent", timedelta(hours=25)), ("live", timedelta(hours=1))):
            session.add(
                IdempotencyKey(
                    user_id=user.id,
                    key=key,
                    request_hash=b"0" * 32,
                    status_code=201,
                    response_body={},
                    created_at=now - age,
                )
            )
        # Sent mail and texts carry tokens in clear: gone an hour after they went; a dead letter stays.
        for label, sent, dead in (
            ("old", now - timedelta(hours=2), None),
            ("fresh", now - timedelta(minutes=10), None),
            ("dead", None, now - timedelta(hours=2)),
        ):
            session.add(
                MailMessage(
                    to_address=f"{label}@example.cn",
                    subject="重置密码",
                    body="token=secret",
                    message_id=f"<{label}@test>",
                    sent_at=sent,
                    dead_at=dead,
                )
            )
        session.add_all(
            [
                RateLimitBucket(key="over", count=3, window_ends_at=now - timedelta(minutes=1)),
                RateLimitBucket(key="counting", count=3, window_ends_at=now + timedelta(minutes=5)),
                # The window is over but the wait is not: kept until the wait ends.
                RateLimitBucket(
                    key="waiting",
                    count=9,
                    window_ends_at=now - timedelta(minutes=1),
                    blocked_until=now + timedelta(minutes=5),
                ),
            ]
        )
    result = run_cli(migrated_scratch_database, "worker", "--once", log_json=True)
    assert result.returncode == 0, result.stderr
    assert '"worker.housekeeping"' in result.stderr + result.stdout
    with Session(engine) as session:
        assert sorted(session.scalars(select(IdempotencyKey.key))) == ["live"]
        assert sorted(session.scalars(select(RateLimitBucket.key))) == ["counting", "waiting"]
        assert session.scalar(text("SELECT count(*) FROM users")) == 1
        assert sorted(session.scalars(select(MailMessage.to_address))) == [
            "dead@example.cn",
            "fresh@example.cn",
        ]
    engine.dispose()


def test_worker_folds_the_statistics_deltas_into_their_cells(migrated_scratch_database: str) -> None:
    engine = create_engine(migrated_scratch_database)
    with Session(engine) as session, session.begin():
        org = Organization(name="虚构测试企业", kind="enterprise", uscc=make_uscc(), vetting_status="vetted")
        session.add(org)
        session.flush()
        session.add(
            Demand(
                organization_id=org.id,
                title="测试需求",
                task_type="line_upgrade",
                industry_code="C3825",
                region_code="510100",
                category_codes=["photovoltaic.monocrystal_furnace"],
                budget_min_cny=0,
                budget_max_cny=3_000_000,
                status="published",
                published_at=utcnow(),
            )
        )
    with Session(engine) as session:
        # one delta per grouping: total, status, industry, task
        assert session.scalar(text("SELECT count(*) FROM stats_cell_deltas")) == 4
        assert session.scalar(text("SELECT count(*) FROM stats_cells")) == 0
    result = run_cli(migrated_scratch_database, "worker", "--once", log_json=True)
    assert result.returncode == 0, result.stderr
    assert '"worker.stats_compacted"' in result.stderr + result.stdout
    with Session(engine) as session:
        assert session.scalar(text("SELECT count(*) FROM stats_cell_deltas")) == 0
        total = session.execute(
            text(
                "SELECT demands, posted_cny FROM stats_cells"
                " WHERE dimension = 'total' AND region_code = '510100'"
            )
        ).one()
        assert tuple(total) == (1, 3_000_000)
    engine.dispose()
