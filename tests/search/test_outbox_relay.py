"""The outbox relay on committed data (a database of its own): leases, SKIP LOCKED, retries, dead letters."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import make_engine, make_sessionmaker
from app.indexing import relay, repository
from app.indexing import service as indexing
from app.kit.leases import backoff
from app.models import SearchOutbox
from search.meili import MeilisearchEngine
from search.specs import PROVIDERS
from tests.fixtures.fake_meili import FakeMeiliServer


@pytest.fixture
async def committed(migrated_scratch_database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(migrated_scratch_database, pool_size=4)
    sessionmaker = make_sessionmaker(engine)
    yield sessionmaker
    await engine.dispose()


@pytest.fixture
def fake() -> Iterator[FakeMeiliServer]:
    with FakeMeiliServer() as server:
        yield server


def _doc(doc_id: uuid.UUID, version: int, name: str = "某设计院") -> dict[str, object]:
    return {
        "id": str(doc_id),
        "version": version,
        "name": name,
        "provider_types": ["design_institute"],
        "region_codes": ["510100"],
        "industry_codes": [],
        "services": [],
        "qualifications": [],
        "case_titles": [],
        "description": "",
        "vetted_ts": 1,
    }


async def _write(sessionmaker: async_sessionmaker[AsyncSession], docs: list[dict[str, object]]) -> None:
    """What a request does: the PostgreSQL document and its outbox row, in one transaction."""
    async with sessionmaker() as session, session.begin():
        engine = await indexing.postgres_engine(session)
        await engine.upsert(PROVIDERS, docs)
        await repository.enqueue(session, [("providers", uuid.UUID(str(d["id"]))) for d in docs])


async def _outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> list[SearchOutbox]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(SearchOutbox).order_by(SearchOutbox.id))).all())


async def test_two_relays_never_take_the_same_row(committed: async_sessionmaker[AsyncSession]) -> None:
    await _write(committed, [_doc(uuid.uuid4(), 1) for _ in range(80)])

    async def claim(worker: str) -> set[int]:
        async with committed() as session, session.begin():
            rows = await repository.claim(session, worker=worker, limit=50, lease=timedelta(seconds=60))
            await asyncio.sleep(0.05)  # hold the transaction open while the other relay claims
            return {r.id for r in rows}

    first, second = await asyncio.gather(claim("a"), claim("b"))
    assert first and second
    assert not first & second
    assert len(first | second) == 80


async def test_latest_state_wins_and_sent_rows_are_gone(
    committed: async_sessionmaker[AsyncSession], fake: FakeMeiliServer
) -> None:
    meili = MeilisearchEngine(fake.url, "k", timeout=2)
    doc_id = uuid.uuid4()
    await _write(committed, [_doc(doc_id, 1, "旧名")])
    await _write(committed, [_doc(doc_id, 2, "新名")])
    fake.state.indexes["providers"] = {"docs": {}, "settings": {}}
    moved = await relay.relay_once(committed, meili, worker="w1")
    assert moved == 2
    assert fake.state.indexes["providers"]["docs"][str(doc_id)]["name"] == "新名"
    sent = [r for r in fake.state.requests if r.path == "/indexes/providers/documents"]
    assert [len(r.body) for r in sent] == [1]  # two changes, one delivery of the current document
    assert await _outbox(committed) == []


async def test_a_relay_killed_mid_batch_loses_nothing(
    committed: async_sessionmaker[AsyncSession], fake: FakeMeiliServer
) -> None:
    meili = MeilisearchEngine(fake.url, "k", timeout=2)
    fake.state.indexes["providers"] = {"docs": {}, "settings": {}}
    ids = [uuid.uuid4() for _ in range(5)]
    await _write(committed, [_doc(i, 1) for i in ids])
    async with committed() as session, session.begin():  # relay A claims… and dies before sending
        taken = await repository.claim(session, worker="dead-relay", limit=10, lease=timedelta(seconds=60))
    assert len(taken) == 5
    assert await relay.relay_once(committed, meili, worker="w2") == 0  # leased: nobody else may take them
    async with committed() as session, session.begin():  # …the lease runs out
        await session.execute(
            update(SearchOutbox).values(locked_until=SearchOutbox.locked_until - timedelta(hours=1))
        )
    assert await relay.relay_once(committed, meili, worker="w2") == 5
    assert set(fake.state.indexes["providers"]["docs"]) == {str(i) for i in ids}
    assert await _outbox(committed) == []


async def test_meilisearch_down_retries_with_backoff_then_drains(
    committed: async_sessionmaker[AsyncSession], fake: FakeMeiliServer
) -> None:
    down = MeilisearchEngine("http://127.0.0.1:1", "k", timeout=1)
    doc_id = uuid.uuid4()
    await _write(committed, [_doc(doc_id, 1)])  # the write itself succeeds while search is down
    assert await relay.relay_once(committed, down, worker="w3") == 1
    [row] = await _outbox(committed)
    # An outage is not the batch's fault: no attempt used up, never dead-lettered, retried within 30 s.
    assert row.attempts == 0 and row.locked_by is None and row.last_error and row.dead_at is None
    assert await relay.relay_once(committed, down, worker="w3") == 0  # not before its backoff
    async with committed() as session, session.begin():
        await session.execute(
            update(SearchOutbox).values(
                available_at=SearchOutbox.available_at - timedelta(hours=1), attempts=relay.MAX_ATTEMPTS + 3
            )
        )
    await relay.relay_once(committed, down, worker="w3")
    [row] = await _outbox(committed)
    assert row.dead_at is None
    async with committed() as session, session.begin():
        await session.execute(
            update(SearchOutbox).values(available_at=SearchOutbox.available_at - timedelta(hours=1))
        )
    up = MeilisearchEngine(fake.url, "k", timeout=2)
    fake.state.indexes["providers"] = {"docs": {}, "settings": {}}
    assert await relay.relay_once(committed, up, worker="w3") == 1
    assert str(doc_id) in fake.state.indexes["providers"]["docs"]
    assert await _outbox(committed) == []


async def test_rows_are_dead_lettered_after_max_attempts(
    committed: async_sessionmaker[AsyncSession], fake: FakeMeiliServer
) -> None:
    meili = MeilisearchEngine(fake.url, "k", timeout=2)
    fake.state.indexes["providers"] = {"docs": {}, "settings": {}}
    await _write(committed, [_doc(uuid.uuid4(), 1)])
    async with committed() as session, session.begin():
        await session.execute(update(SearchOutbox).values(attempts=relay.MAX_ATTEMPTS - 1))
    fake.state.fail_next_task = "invalid_document_id"  # Meilisearch refuses the batch: that does count
    await relay.relay_once(committed, meili, worker="w4")
    [row] = await _outbox(committed)
    assert row.dead_at is not None and row.attempts == relay.MAX_ATTEMPTS
    assert "invalid_document_id" in (row.last_error or "")
    async with committed() as session:
        assert await repository.backlog(session) == {"pending": 0, "dead": 1}


def test_backoff_grows_and_is_capped() -> None:
    assert backoff(1) < backoff(4) < backoff(8)
    assert backoff(30) <= timedelta(seconds=360)
