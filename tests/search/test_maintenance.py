"""reindex and search-check on the PostgreSQL engine (Meilisearch's side is covered by the contract tests)."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.indexing.maintenance import check, reindex
from search.postgres import documents
from tests.fixtures.factories import admin_account, listed_product, vetted_account


async def test_search_check_finds_and_repairs_drift_and_reindex_rebuilds(
    client: httpx.AsyncClient, db: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await admin_account(client, db)
    supplier = await vetted_account(client, admin, "supplier")
    products = [await listed_product(client, supplier, admin, model=f"JW-{i}") for i in range(3)]
    lost, stale = uuid.UUID(products[0]["id"]), uuid.UUID(products[1]["id"])
    await db.execute(delete(documents).where(documents.c.doc_id == lost))
    await db.execute(update(documents).where(documents.c.doc_id == stale).values(version=0))
    await db.commit()

    [drift] = await check(sessionmaker, None, "products", repair=False)
    assert (drift.missing, drift.stale, drift.extra) == (1, 1, 0)
    [repaired] = await check(sessionmaker, None, "products", repair=True)
    assert (repaired.missing, repaired.stale) == (1, 1)  # what it found before repairing
    [clean] = await check(sessionmaker, None, "products", repair=False)
    assert (clean.missing, clean.stale, clean.extra) == (0, 0, 0)

    figures = await reindex(sessionmaker, None, "products")
    assert figures["documents"] == clean.expected
    count = await db.scalar(
        select(func.count()).select_from(documents).where(documents.c.index_name == "products")
    )
    assert count == clean.expected
    hits = (await client.get("/search/products", params={"q": "JW-0"})).json()["items"]
    assert [h["id"] for h in hits] == [products[0]["id"]]
