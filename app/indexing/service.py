"""Keeping the search indexes in step with the data, in the writer's own transaction.

Every flush records which searchable entities changed (tracking.py). Before the request commits,
`apply_changes` rewrites their PostgreSQL search documents (so that engine is always current) and, when
Meilisearch is configured, writes one outbox row per document for the relay (`python -m app worker`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import service as catalog
from app.catalog.service import CatalogSnapshot
from app.indexing import documents, repository
from app.indexing.tracking import take_changes
from search.engine import Document
from search.meili import MeilisearchEngine
from search.postgres import PostgresEngine
from search.specs import SPECS
from search.text import Segmenter

_state: dict[str, Any] = {"outbox": False, "catalog": None, "segmenter": None}


def configure(*, outbox: bool) -> None:
    """Whether writes also feed the Meilisearch outbox (only when MEILI_URL is set)."""
    _state["outbox"] = outbox


def outbox_enabled() -> bool:
    return bool(_state["outbox"])


async def catalog_snapshot(session: AsyncSession) -> CatalogSnapshot:
    if _state["catalog"] is None:
        _state["catalog"] = await catalog.snapshot(session)
    snapshot: CatalogSnapshot = _state["catalog"]
    return snapshot


def dictionary_and_synonyms(snapshot: CatalogSnapshot) -> tuple[list[str], dict[str, list[str]]]:
    """The domain dictionary (equipment, industry and region names) and synonyms (names ↔ aliases)."""
    words: list[str] = []
    synonyms: dict[str, list[str]] = defaultdict(list)
    for category in snapshot.categories.values():
        words.append(category.name)
        words.extend(category.aliases)
        for alias in category.aliases:
            synonyms[alias].append(category.name)
            synonyms[category.name].append(alias)
    words.extend(snapshot.industries.values())
    words.extend(snapshot.regions.values())
    return list(dict.fromkeys(words)), dict(synonyms)


async def segmenter(session: AsyncSession) -> Segmenter:
    if _state["segmenter"] is None:
        words, synonyms = dictionary_and_synonyms(await catalog_snapshot(session))
        _state["segmenter"] = Segmenter(words, synonyms)
    result: Segmenter = _state["segmenter"]
    return result


async def postgres_engine(session: AsyncSession) -> PostgresEngine:
    return PostgresEngine(session, await segmenter(session))


async def documents_for(
    session: AsyncSession, index: str, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Document | None]:
    """The current document of each id, or None where the entity is not (or no longer) searchable."""
    snapshot = await catalog_snapshot(session)
    found: dict[uuid.UUID, Document | None] = dict.fromkeys(ids)
    if index == "demands":
        for demand, name, status in await repository.demands_with_owners(session, ids):
            if demand.status == "published" and status == "vetted":
                found[demand.id] = documents.demand_document(demand, name, snapshot)
    elif index == "products":
        for product, name, status in await repository.products_with_suppliers(session, ids):
            if product.status == "listed" and status == "vetted":
                found[product.id] = documents.product_document(product, name, snapshot)
    elif index == "financing_products":
        for fp, name, status in await repository.financing_with_banks(session, ids):
            if fp.is_active and status == "vetted":
                found[fp.id] = documents.financing_document(fp, name, snapshot)
    elif index == "providers":
        for org in await repository.organizations(session, ids):
            if org.kind == "provider" and org.vetting_status == "vetted":
                found[org.id] = documents.provider_document(org, snapshot)
    return found


async def sync(session: AsyncSession, index: str, ids: Sequence[uuid.UUID]) -> None:
    """Rewrite these documents in the PostgreSQL index, and queue them for Meilisearch."""
    if not ids:
        return
    engine = await postgres_engine(session)
    current = await documents_for(session, index, ids)
    present = [doc for doc in current.values() if doc is not None]
    await engine.upsert(SPECS[index], present)
    await engine.delete(index, [i for i, doc in current.items() if doc is None])
    if outbox_enabled():
        await repository.enqueue(session, [(index, i) for i in ids])


async def apply_changes(session: AsyncSession) -> None:
    """Bring every index up to date with what this transaction changed (called before commit)."""
    await session.flush()
    changes = take_changes(session.sync_session)
    if not changes:
        return
    by_kind: dict[str, set[uuid.UUID]] = defaultdict(set)
    for kind, entity_id in changes:
        by_kind[kind].add(entity_id)
    if by_kind["organization"]:
        # A name or vetting change shows in the organization's own documents.
        demands, products, financing = await repository.dependents(session, list(by_kind["organization"]))
        by_kind["demand"].update(demands)
        by_kind["product"].update(products)
        by_kind["financing"].update(financing)
    for kind, index in (
        ("demand", "demands"),
        ("product", "products"),
        ("financing", "financing_products"),
        ("organization", "providers"),
    ):
        await sync(session, index, sorted(by_kind[kind]))
    await session.flush()
    take_changes(session.sync_session)  # our own flush records nothing searchable, but stay clean


async def rebuild_postgres(
    session: AsyncSession, index: str, *, progress: Callable[[int, int], None] | None = None, batch: int = 500
) -> int:
    """Rebuild one PostgreSQL index inside the caller's transaction: readers see the old one until commit."""
    engine = await postgres_engine(session)
    ids = await repository.all_ids(session, index)
    await engine.clear(index)
    written = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        docs = [doc for doc in (await documents_for(session, index, chunk)).values() if doc is not None]
        await engine.upsert(SPECS[index], docs)
        written += len(docs)
        if progress:
            progress(min(start + batch, len(ids)), len(ids))
    return written


def meili_engine(
    url: str | None, api_key: str | None, *, search_key: str | None = None
) -> MeilisearchEngine | None:
    return MeilisearchEngine(url, api_key, search_key=search_key) if url else None


async def ensure_meili_indexes(session: AsyncSession, meili: MeilisearchEngine) -> None:
    """Create every index with its settings (idempotent)."""
    words, synonyms = dictionary_and_synonyms(await catalog_snapshot(session))
    for spec in SPECS.values():
        await meili.ensure_index(spec, dictionary=words, synonyms=synonyms)


async def dictionary(session: AsyncSession) -> tuple[list[str], dict[str, list[str]]]:
    return dictionary_and_synonyms(await catalog_snapshot(session))
