"""The shared search-results cache (search/cache.py): repeats are served from it, and a committed write to
an index is visible to the very next search, through HTTP and on a real connection pool."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import make_engine, make_read_sessionmaker, make_sessionmaker
from app.main import create_app
from app.search_api import service as search_service
from app.worker import housekeeping
from search import cache
from search.engine import SearchQuery, SearchResult
from search.meili import MeilisearchEngine
from tests.fixtures.factories import (
    Account,
    admin_account,
    financing_payload,
    listed_product,
    published_demand,
    register_account,
    vet,
    vetted_account,
)

SEARCH = "/search/products?q=单晶炉"


@pytest.fixture
async def pool(migrated_scratch_database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(migrated_scratch_database, pool_size=5)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def live(
    migrated_scratch_database: str, settings: Settings, pool: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app as `serve` builds it: reads on autocommit sessions, so they use the cache."""
    configured = settings.model_copy(
        update={"database_url": migrated_scratch_database, "search_cache_seconds": 60.0}
    )
    app = create_app(configured, sessionmaker=pool)
    bind = pool.kw["bind"]
    app.state.read_sessionmaker = make_read_sessionmaker(bind)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        yield client


async def _scalar(pool: async_sessionmaker[AsyncSession], sql: str) -> Any:
    async with pool() as session:
        return await session.scalar(text(sql))


async def _parties(
    live: httpx.AsyncClient, pool: async_sessionmaker[AsyncSession]
) -> tuple[Account, Account]:
    async with pool() as db, db.begin():
        admin = await admin_account(live, db)
    return admin, await vetted_account(live, admin, "supplier")


async def _mark_entries(pool: async_sessionmaker[AsyncSession], total: int, *, forget: bool = True) -> None:
    """Rewrite every stored result's total, to tell an answer from the cache from a computed one; and
    (unless `forget` is False) drop this process's copies, so the shared entries answer."""
    async with pool() as session, session.begin():
        rows = (await session.execute(text("SELECT key, result FROM search_results_cache"))).all()
        for key, raw in rows:
            body = orjson.loads(raw)
            body["total_estimate"] = total
            await session.execute(
                text("UPDATE search_results_cache SET result = :r WHERE key = :k"),
                {"r": orjson.dumps(body), "k": key},
            )
    if forget:
        cache.forget_local()


async def test_repeats_come_from_the_cache_and_a_write_shows_at_once(
    live: httpx.AsyncClient, pool: async_sessionmaker[AsyncSession]
) -> None:
    admin, supplier = await _parties(live, pool)
    await listed_product(live, supplier, admin, name="缓存一号单晶炉")
    first = await live.get(SEARCH)
    assert first.status_code == 200, first.text
    assert first.json()["total_estimate"] == 1
    assert await _scalar(pool, "SELECT count(*) FROM search_results_cache WHERE index_name = 'products'") == 1
    generation = await _scalar(
        pool, "SELECT generation FROM search_generations WHERE index_name = 'products'"
    )
    assert await _scalar(pool, "SELECT generation FROM search_results_cache") == generation

    # The process's own copy answers while the shared entry is live under the same generation…
    await _mark_entries(pool, total=555, forget=False)
    assert (await live.get(SEARCH)).json()["total_estimate"] == 1
    # …and the shared entry answers a process without one (here: after forgetting its copies).
    await _mark_entries(pool, total=777)
    assert (await live.get(SEARCH)).json()["total_estimate"] == 777

    # Listing a second product commits a write to the index: the next search sees it, not the entry.
    await listed_product(live, supplier, admin, name="缓存二号单晶炉")
    after = (await live.get(SEARCH)).json()
    assert after["total_estimate"] == 2
    assert {h["name"] for h in after["items"]} == {"缓存一号单晶炉", "缓存二号单晶炉"}
    assert (
        await _scalar(pool, "SELECT generation FROM search_generations WHERE index_name = 'products'")
        > generation
    )


async def test_an_expired_entry_is_computed_again(
    live: httpx.AsyncClient, pool: async_sessionmaker[AsyncSession]
) -> None:
    admin, supplier = await _parties(live, pool)
    await listed_product(live, supplier, admin)
    assert (await live.get(SEARCH)).json()["total_estimate"] == 1
    await _mark_entries(pool, total=777)
    async with pool() as session, session.begin():
        await session.execute(
            text("UPDATE search_results_cache SET expires_at = now() - interval '1 second'")
        )
    assert (await live.get(SEARCH)).json()["total_estimate"] == 1


async def test_product_matches_see_a_new_product_at_once(
    live: httpx.AsyncClient, pool: async_sessionmaker[AsyncSession]
) -> None:
    admin, supplier = await _parties(live, pool)
    enterprise = await vetted_account(live, admin, "enterprise")
    demand = await published_demand(live, enterprise)
    await listed_product(live, supplier, admin, name="匹配一号单晶炉")
    url = f"/demands/{demand['id']}/matches?kind=product"
    first = await live.get(url, headers=enterprise.headers)
    assert first.status_code == 200, first.text
    assert [m["target"]["name"] for m in first.json()["items"]] == ["匹配一号单晶炉"]
    assert await _scalar(pool, "SELECT count(*) FROM search_results_cache WHERE index_name = 'products'") == 1
    await listed_product(live, supplier, admin, name="匹配二号单晶炉")
    names = {m["target"]["name"] for m in (await live.get(url, headers=enterprise.headers)).json()["items"]}
    assert names == {"匹配一号单晶炉", "匹配二号单晶炉"}


async def test_a_write_committed_while_computing_leaves_the_result_under_the_old_generation(
    migrated_scratch_database: str, pool: async_sessionmaker[AsyncSession]
) -> None:
    """The race the design is for: the generation is read before the result is computed, so a result
    that may predate a write is never filed under the write's generation."""
    engine = pool.kw["bind"]
    reads = make_read_sessionmaker(engine)
    async with pool() as session, session.begin():
        await session.execute(
            text("""
            INSERT INTO search_documents (index_name, doc_id, document, tsv, sort_ts, version)
            VALUES ('products', gen_random_uuid(), '{}', ''::tsvector, 0, 1)
        """)
        )
    computed = 0

    async def compute_while_someone_writes() -> SearchResult:
        nonlocal computed
        computed += 1
        if computed == 1:
            async with pool() as writer, writer.begin():
                await writer.execute(text("UPDATE search_documents SET version = version + 1"))
        return SearchResult(hits=[], next_cursor=None, facets={}, total_estimate=computed, engine="postgres")

    key = cache.key_of("products", "postgres", SearchQuery(q="x"))
    async with reads() as session:
        first = await cache.cached(session, "products", key, 60, compute_while_someone_writes)
        second = await cache.cached(session, "products", key, 60, compute_while_someone_writes)
        third = await cache.cached(session, "products", key, 60, compute_while_someone_writes)
    assert (first.total_estimate, second.total_estimate, third.total_estimate) == (1, 2, 2)
    assert computed == 2


async def test_generations_move_once_per_committed_transaction_and_never_on_rollback(
    pool: async_sessionmaker[AsyncSession],
) -> None:
    generation = "SELECT generation FROM search_generations WHERE index_name = 'products'"
    before = await _scalar(pool, generation)
    async with pool() as session, session.begin():
        for n in range(3):
            await session.execute(
                text(
                    "INSERT INTO search_documents (index_name, doc_id, document, tsv, sort_ts, version) "
                    "VALUES ('products', gen_random_uuid(), '{}', ''::tsvector, :n, 1)"
                ),
                {"n": n},
            )
    assert await _scalar(pool, generation) == before + 1
    async with pool() as session:
        await session.execute(text("DELETE FROM search_documents"))
        await session.rollback()
    assert await _scalar(pool, generation) == before + 1
    assert await _scalar(pool, "SELECT count(*) FROM search_documents") == 3
    async with pool() as session, session.begin():
        await session.execute(text("DELETE FROM search_documents"))
    assert await _scalar(pool, generation) == before + 2
    other = "SELECT generation FROM search_generations WHERE index_name = 'demands'"
    assert await _scalar(pool, other) == 1


async def test_housekeeping_purges_expired_and_overtaken_entries(
    pool: async_sessionmaker[AsyncSession],
) -> None:
    async with pool() as session, session.begin():
        await session.execute(
            text("""
            INSERT INTO search_results_cache (key, index_name, generation, result, expires_at, depends_on)
            SELECT k, 'products', g, '\\x7b7d', e, ARRAY['products']
            FROM (VALUES ('\\x01'::bytea, (SELECT generation FROM search_generations
                                           WHERE index_name = 'products'), now() + interval '1 minute'),
                         ('\\x02'::bytea, 0, now() + interval '1 minute'),
                         ('\\x03'::bytea, (SELECT generation FROM search_generations
                                           WHERE index_name = 'products'), now() - interval '1 second'))
                 AS v(k, g, e)
        """)
        )
    purged = await housekeeping(pool)
    assert purged["search_results"] == 2
    assert await _scalar(pool, "SELECT string_agg(encode(key, 'hex'), ',') FROM search_results_cache") == "01"


async def test_requests_inside_a_transaction_never_use_the_cache(
    client: httpx.AsyncClient, db: AsyncSession, admin: Account
) -> None:
    """The usual test app's sessions are transactions (savepoints): they search their own writes."""
    supplier = await vetted_account(client, admin, "supplier")
    await listed_product(client, supplier, admin)
    assert (await client.get(SEARCH)).json()["total_estimate"] == 1
    assert await db.scalar(text("SELECT count(*) FROM search_results_cache")) == 0


async def _generation(pool: async_sessionmaker[AsyncSession], name: str) -> int:
    async with pool() as session:
        value = await session.scalar(
            text("SELECT generation FROM search_generations WHERE index_name = :n"), {"n": name}
        )
        return int(value)


async def test_ranked_matches_are_cached_per_demand_version(
    live: httpx.AsyncClient, pool: async_sessionmaker[AsyncSession]
) -> None:
    admin, supplier = await _parties(live, pool)
    enterprise = await vetted_account(live, admin, "enterprise")
    demand = await published_demand(live, enterprise)
    await listed_product(live, supplier, admin, name="版本一号单晶炉")
    url = f"/demands/{demand['id']}/matches?kind=product"
    assert (await live.get(url, headers=enterprise.headers)).status_code == 200
    async with pool() as session, session.begin():
        kinds = (await session.execute(text("SELECT index_name, depends_on FROM search_results_cache"))).all()
        assert sorted((k, sorted(d)) for k, d in kinds) == [
            ("matches:product", ["products", "supplier_records"]),
            ("products", ["products"]),
        ]
        # Served from the entry: rewrite its one match's name.
        raw = await session.scalar(
            text("SELECT result FROM search_results_cache WHERE index_name = 'matches:product'")
        )
        body = orjson.loads(raw)
        body["found"][0]["target_name"] = "缓存中的名字"
        await session.execute(
            text("UPDATE search_results_cache SET result = :r WHERE index_name = 'matches:product'"),
            {"r": orjson.dumps(body)},
        )
    cache.forget_local()
    cached = (await live.get(url, headers=enterprise.headers)).json()
    assert [m["target"]["name"] for m in cached["items"]] == ["缓存中的名字"]
    # An edit of the demand is a new version: computed again.
    edited = await live.patch(
        f"/demands/{demand['id']}",
        headers={
            **enterprise.headers,
            "If-Match": (await live.get(f"/demands/{demand['id']}")).headers["etag"],
        },
        json={"quantity": 3},
    )
    assert edited.status_code == 200, edited.text
    fresh = (await live.get(url, headers=enterprise.headers)).json()
    assert [m["target"]["name"] for m in fresh["items"]] == ["版本一号单晶炉"]


async def test_supplier_records_move_with_quotes_and_demand_statuses_only(
    live: httpx.AsyncClient, pool: async_sessionmaker[AsyncSession]
) -> None:
    """A supplier's accepted quotes and deliveries are in its product matches' score."""
    admin, supplier = await _parties(live, pool)
    enterprise = await vetted_account(live, admin, "enterprise")
    demand = await published_demand(live, enterprise)  # a status change: draft → published
    product = await listed_product(live, supplier, admin)
    before = await _generation(pool, "supplier_records")
    etag = (await live.get(f"/demands/{demand['id']}")).headers["etag"]
    edited = await live.patch(
        f"/demands/{demand['id']}", headers={**enterprise.headers, "If-Match": etag}, json={"quantity": 2}
    )
    assert edited.status_code == 200, edited.text
    assert await _generation(pool, "supplier_records") == before  # an edit is not a status change
    quoted = await live.post(
        f"/demands/{demand['id']}/quotes",
        headers=supplier.headers,
        json={
            "product_id": product["id"],
            "price_cny": 9_000_000,
            "delivery_days": 90,
            "message": "含安装调试",
        },
    )
    assert quoted.status_code == 201, quoted.text
    assert await _generation(pool, "supplier_records") == before + 1


async def test_provider_and_financing_matches_follow_their_writes_at_once(
    live: httpx.AsyncClient, pool: async_sessionmaker[AsyncSession]
) -> None:
    admin, _ = await _parties(live, pool)
    enterprise = await vetted_account(live, admin, "enterprise")
    bank = await vetted_account(live, admin, "bank")
    created = await live.post("/financing-products", headers=bank.headers, json=financing_payload())
    assert created.status_code == 201, created.text
    demand = await published_demand(live, enterprise)
    financing = f"/demands/{demand['id']}/matches?kind=financing"
    first = (await live.get(financing, headers=enterprise.headers)).json()
    assert [m["target"]["id"] for m in first["items"]] == [created.json()["id"]]
    off = await live.patch(
        f"/financing-products/{created.json()['id']}", headers=bank.headers, json={"is_active": False}
    )
    assert off.status_code == 200, off.text
    assert (await live.get(financing, headers=enterprise.headers)).json()["items"] == []

    providers = f"/demands/{demand['id']}/matches?kind=provider"
    assert (await live.get(providers, headers=enterprise.headers)).json()["items"] == []
    provider = await register_account(live, "provider", provider_types=["engineering_firm"])
    await vet(live, admin, provider.organization_id)
    names = [
        m["target"]["id"] for m in (await live.get(providers, headers=enterprise.headers)).json()["items"]
    ]
    assert names == [provider.organization_id]


async def test_an_entry_in_another_format_is_computed_again_not_a_500(
    live: httpx.AsyncClient, pool: async_sessionmaker[AsyncSession]
) -> None:
    """A release that changed the stored format may meet entries the previous one wrote."""
    admin, supplier = await _parties(live, pool)
    await listed_product(live, supplier, admin)
    assert (await live.get(SEARCH)).json()["total_estimate"] == 1
    async with pool() as session, session.begin():
        await session.execute(text("UPDATE search_results_cache SET result = '\\x5b5d'"))  # "[]"
    cache.forget_local()
    again = await live.get(SEARCH)
    assert again.status_code == 200, again.text
    assert again.json()["total_estimate"] == 1
    stored = await _scalar(pool, "SELECT result FROM search_results_cache")
    assert orjson.loads(stored)["total_estimate"] == 1


async def test_a_fallback_answer_while_meilisearch_is_down_is_not_kept(
    migrated_scratch_database: str, pool: async_sessionmaker[AsyncSession]
) -> None:
    """Kept under Meilisearch's key, a PostgreSQL answer given during an outage would outlive it."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = MeilisearchEngine(f"http://127.0.0.1:{port}", "master", search_key="search", timeout=1)
    search_service.configure_cache(60.0)
    reads = make_read_sessionmaker(pool.kw["bind"])
    async with reads() as session:
        result = await search_service.search(session, down, "products", SearchQuery(q="单晶炉"))
        assert result.engine == "postgres"
        assert await session.scalar(text("SELECT count(*) FROM search_results_cache")) == 0
        # Without Meilisearch configured, the same answer is PostgreSQL's own, and kept.
        await search_service.search(session, None, "products", SearchQuery(q="单晶炉"))
        assert await session.scalar(text("SELECT count(*) FROM search_results_cache")) == 1
