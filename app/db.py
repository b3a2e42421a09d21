"""The async engine and the request's session: commit on success, rollback on error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.config import Settings
from app.embedded_postgres import EmbeddedPostgres, default_data_dir
from app.errors import AppError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """No ping before each checkout (it cost a round trip on every request, doubling a single read's): a
    connection that died with a database restart fails its first statement instead, that request gets
    a 503 with Retry-After (app/errors.py), and SQLAlchemy then discards every pooled connection at once,
    so the next requests get fresh ones (tests/test_database_restart.py)."""
    return create_async_engine(url, pool_size=pool_size, max_overflow=10)


def make_sessionmaker(bind: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


async def _commit(request: Request, session: AsyncSession) -> None:
    # Side effects that belong to the same transaction (search documents, outbox rows) are written here,
    # by hooks the app registers, so no service can forget them and none are written for a failed request.
    for hook in getattr(request.app.state, "before_commit", ()):
        await hook(session)
    await session.commit()


def make_read_sessionmaker(bind: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for safe methods (GET/HEAD), which never write: autocommit, so a read costs one round trip
    instead of BEGIN, SELECT, COMMIT. Shares the engine's pool."""
    return make_sessionmaker(bind.execution_options(isolation_level="AUTOCOMMIT"))


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request boundary: the only place that commits.

    Declared with scope="function" (see deps.py) so the commit happens before the response is sent:
    a client never sees 201 for a write that then failed to commit.
    """
    state = request.app.state
    read_only = request.method in ("GET", "HEAD")
    sessionmaker: async_sessionmaker[AsyncSession] = (
        state.read_sessionmaker if read_only else state.sessionmaker
    )
    async with sessionmaker() as session:
        try:
            yield session
        except AppError as exc:
            # A request that counted an attempt (registration throttling) keeps the count when it fails;
            # its own work ran in a savepoint that the failure already rolled back.
            if exc.keeps_changes or getattr(request.state, "keep_changes_on_error", False):
                await _commit(request, session)
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            if not read_only:
                await _commit(request, session)


_embedded: EmbeddedPostgres | None = None


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL when set; otherwise start (once per process) the embedded development cluster."""
    global _embedded
    if settings.database_url:
        return settings.database_url
    if _embedded is None:
        root = Path(settings.embedded_pg_dir) if settings.embedded_pg_dir else default_data_dir(PROJECT_ROOT)
        _embedded = EmbeddedPostgres(root=root)
    return _embedded.ensure_running(durable=True)


def stop_embedded_if_started() -> None:
    """Stop the embedded cluster if this process started it (another process may still be using it)."""
    if _embedded is not None and _embedded.started_here:
        _embedded.stop()
