"""Real PostgreSQL for every test: a throwaway cluster built by the project's own migrations,
one transaction per test, rolled back at the end."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.catalog.service import load_reference_data
from app.cli import run_migrations
from app.config import Settings
from app.db import make_engine
from app.embedded_postgres import EmbeddedPostgres, throwaway_cluster
from app.main import create_app
from seed.catalog import catalog_rows
from tests.fixtures.factories import Account, admin_account, vetted_account
from tests.fixtures.live import add_admin, prepare_database
from tests.fixtures.smtp import mailbox, smtp  # noqa: F401 - the in-process SMTP server, for every test


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[EmbeddedPostgres | None]:
    if os.environ.get("DATABASE_URL"):
        yield None
        return
    cluster = throwaway_cluster()
    cluster.ensure_running(durable=False)
    yield cluster
    cluster.stop()
    shutil.rmtree(cluster.root, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(pg_cluster: EmbeddedPostgres | None) -> Iterator[str]:
    if pg_cluster is not None:
        yield pg_cluster.url()
        return
    url = os.environ["DATABASE_URL"]
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield url
        return
    # Parallel workers (pytest-xdist) share that server, not a database: each gets one of its own.
    with new_database(url) as own:
        yield own


@contextmanager
def new_database(database_url: str, *, template: str | None = None) -> Iterator[str]:
    """A database on the same server, dropped on exit: empty, or a copy of `template` (a database name)."""
    name = f"scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        copied = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{copied}'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_database(database_url: str) -> Iterator[str]:
    """An empty database of its own, for tests that must commit or walk migrations."""
    with new_database(database_url) as url:
        yield url


MigratedDatabase = Callable[[str | None], AbstractContextManager[str]]


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> Iterator[MigratedDatabase]:
    """`with migrated_database(admin_email) as url:` a database of its own, migrated, with the catalog (and
    one admin, password `factories.PASSWORD`, unless `admin_email` is None), for live servers and changes
    that must commit. Each is a
    copy of a template migrated once per session (CREATE DATABASE … TEMPLATE: a file copy, not a
    migration run), dropped on exit."""
    with ExitStack() as stack:
        template: list[str] = []

        @contextmanager
        def make(admin_email: str | None) -> Iterator[str]:
            if not template:
                url = stack.enter_context(new_database(database_url))
                prepare_database(url)
                template.append(make_url(url).database or "")
            with new_database(database_url, template=template[0]) as url:
                if admin_email is not None:
                    add_admin(url, admin_email)
                yield url

        yield make


@pytest.fixture
def migrated_scratch_database(migrated_database: MigratedDatabase) -> Iterator[str]:
    """A migrated database of its own with the catalog and nothing else, for changes that must commit."""
    with migrated_database(None) as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        _env_file=None,
        app_env="test",
        database_url=database_url,
        # Files the service keeps (attachments, mail and text files) go to a folder of this run.
        data_dir=str(tmp_path_factory.mktemp("data")),
        secret_key="test-secret-key-" + "x" * 32,
        log_json=False,
        leads_feed_settle_seconds=0,
        # Tests register many accounts from one address; the throttle's own tests set a low limit.
        registrations_per_client_per_hour=100_000,
        search_requests_per_client_per_minute=100_000,
        # Argon2id at test cost: every password test still hashes and verifies for real.
        password_hash_memory_kib=1024,
        password_hash_time_cost=1,
        password_hash_parallelism=1,
    )


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    await asyncio.to_thread(run_migrations, database_url)
    engine = make_engine(database_url, pool_size=5)
    async with engine.begin() as conn, AsyncSession(bind=conn) as session:
        await load_reference_data(session, catalog_rows())
        await session.flush()
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    # Every commit inside the app releases a savepoint; the outer transaction is rolled back.
    return async_sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False, autoflush=False
    )


@pytest.fixture
async def db(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session on the test's transaction, for setting up state and reading it back."""
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def app(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> FastAPI:
    # Its own copy: a test that changes app.state.settings changes nothing for the tests after it.
    return create_app(settings.model_copy(), sessionmaker=sessionmaker)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        yield c


# Accounts most tests start from: an admin, and vetted organizations of each kind.
@pytest.fixture
async def admin(client: httpx.AsyncClient, db: AsyncSession) -> Account:
    return await admin_account(client, db)


@pytest.fixture
async def enterprise(client: httpx.AsyncClient, admin: Account) -> Account:
    return await vetted_account(client, admin, "enterprise")


@pytest.fixture
async def supplier(client: httpx.AsyncClient, admin: Account) -> Account:
    return await vetted_account(client, admin, "supplier")


@pytest.fixture
async def bank(client: httpx.AsyncClient, admin: Account) -> Account:
    return await vetted_account(client, admin, "bank")


# Operations that spend the fuzzing module's seeded objects (close a demand, accept a quote, delete a
# subscription…): run after every other operation, so those reach live objects rather than 404s and 409s.
_SPENDING = (
    "DELETE ",
    "/publish]",
    "/close]",
    "/complete]",
    "/submit]",
    "/withdraw]",
    "/accept]",
    "/decline]",
    "/vetting]",
    "/review]",
    "/logout]",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def spends(item: pytest.Item) -> bool:
        return "test_openapi_fuzz" in item.nodeid and any(marker in item.nodeid for marker in _SPENDING)

    modules: dict[str, int] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], len(modules))
    # Within its own module (its server and seeded world are module-scoped); stable otherwise.
    items.sort(key=lambda item: (modules[item.nodeid.split("::")[0]], spends(item)))
