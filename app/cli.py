"""python -m app serve | migrate | seed | worker | reindex | search-check | import | create-admin"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import security
from app.config import ConfigurationError, Settings, get_settings
from app.db import (
    PROJECT_ROOT,
    make_engine,
    make_sessionmaker,
    resolve_database_url,
    stop_embedded_if_started,
)
from app.embedded_postgres import EmbeddedPostgresError
from app.errors import AppError
from app.indexing import service as indexing
from app.indexing import tracking  # noqa: F401 - registers the change tracker
from app.logging import configure_logging
from search.meili import MeilisearchEngine
from search.specs import SPECS

log = logging.getLogger("app.cli")
T = TypeVar("T")


def run_migrations(url: str, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolation
    config.attributes["configure_logger"] = False
    command.upgrade(config, revision)


async def _in_transaction(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = make_engine(url, pool_size=2)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            result = await work(session)
            await indexing.apply_changes(session)
            return result
    finally:
        await engine.dispose()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    started = time.monotonic()
    url = resolve_database_url(settings)
    run_migrations(url)
    # The API processes inherit the database (the embedded cluster this process started, if any).
    os.environ["DATABASE_URL"] = url
    workers = args.workers or cpu_count()
    log.info(
        "serve.ready_to_start",
        extra={
            "host": args.host,
            "port": args.port,
            "workers": workers,
            "database_seconds": round(time.monotonic() - started, 2),
        },
    )
    # Uvicorn re-raises SIGTERM after a graceful shutdown; turning it into SystemExit lets main()'s
    # `finally` stop the embedded cluster this process started. With several workers, uvicorn's
    # supervisor takes the signal, stops them, and returns here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        log_config=None,
        # The client address is read by the app itself, from TRUSTED_PROXIES only (app/kit/client_ip.py);
        # uvicorn's own X-Forwarded-For handling would believe any local peer.
        proxy_headers=False,
        server_header=False,
        access_log=False,
    )
    return 0


def cpu_count() -> int:
    """The CPUs this process may run on (a container's share, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _migrate(args: argparse.Namespace) -> int:
    url = resolve_database_url(get_settings())
    run_migrations(url, args.revision)
    log.info("migrate.done", extra={"revision": args.revision})
    return 0


def _seed(args: argparse.Namespace) -> int:
    from app.catalog.service import load_reference_data
    from seed.catalog import catalog_rows

    settings = get_settings()
    if args.demo and settings.app_env == "production":
        # Checked before anything is migrated or written: demo accounts share one published password.
        print(
            "error: --demo is refused when APP_ENV=production: the demo marketplace is made-up "
            "organizations, demands and accounts whose password is printed. Run `python -m app seed` "
            "without --demo to load the catalog here, and load the demo into a development or staging "
            "database (APP_ENV=development) instead.",
            file=sys.stderr,
        )
        return 2
    url = resolve_database_url(settings)
    run_migrations(url)
    rows = catalog_rows()
    counts = asyncio.run(_in_transaction(url, lambda s: load_reference_data(s, rows)))
    for name, count in counts.items():
        print(f"  catalog {name:<22} {count:>5} rows")
    log.info("seed.catalog_done", extra=counts)
    if args.demo:
        asyncio.run(_seed_demo(url, args.scale))
    return 0


async def _seed_demo(url: str, scale: int) -> None:
    from seed.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, load_demo

    engine = make_engine(url, pool_size=2)
    started = time.monotonic()
    try:
        counts = await load_demo(make_sessionmaker(engine), scale=scale)
    finally:
        await engine.dispose()
    if not counts:
        print("  demo data is already loaded; nothing to do")
        return
    seconds = round(time.monotonic() - started, 1)
    log.info("seed.demo_done", extra={**counts, "seconds": seconds, "scale": scale})
    print(f"  demo marketplace loaded in {seconds} s: {counts}")
    print(f"  every demo account's password is {DEMO_PASSWORD!r}; the admin is {DEMO_ADMIN_EMAIL}")


def _create_admin(args: argparse.Namespace) -> int:
    from app.accounts.service import create_admin

    password = args.password or getpass.getpass("Password for the new admin: ")
    if len(password) < 10:
        print("error: the password needs at least 10 characters.", file=sys.stderr)
        return 2
    url = resolve_database_url(get_settings())
    run_migrations(url)
    user = asyncio.run(
        _in_transaction(url, lambda s: create_admin(s, email=args.email, password=password, name=args.name))
    )
    print(f"admin created: {user.email} ({user.id})")
    return 0


def _import(args: argparse.Namespace) -> int:
    """An .xlsx list imported in an admin's name, progress logged as it goes, the report printed."""
    from pathlib import Path

    from app.accounts.service import admin_user_id
    from app.spreadsheets import service as spreadsheets
    from app.spreadsheets.schemas import ImportReport

    settings = get_settings()
    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    content = path.read_bytes()
    url = resolve_database_url(settings)
    run_migrations(url)

    async def work(session: AsyncSession) -> ImportReport:
        admin = await admin_user_id(session, args.admin_email)
        return await spreadsheets.import_list(
            session,
            args.list,
            content,
            file_name=path.name,
            dry_run=args.dry_run,
            admin_user_id=admin,
            language="en",
        )

    try:
        report = asyncio.run(_in_transaction(url, work))
    except spreadsheets.ImportRejected as exc:
        report = ImportReport.model_validate({**exc.extra, "errors": exc.errors or []})
        print(f"rejected: {exc.detail}", file=sys.stderr)
    print(
        f"{report.list}: {report.rows} rows, {report.accepted} accepted, {report.rejected} rejected, "
        f"{report.imported} imported{' (dry run)' if report.dry_run else ''}"
    )
    for problem in report.errors[:50]:
        print(f"  row {problem.row:>6}  {problem.column or '-':>3}  {problem.field}: {problem.msg}")
    if len(report.errors) > 50 or report.errors_truncated:
        print("  … more problems; run with --dry-run against the API for the whole report")
    return 1 if report.errors else 0


def _meili(settings: Settings) -> MeilisearchEngine | None:
    key = settings.meili_master_key.get_secret_value() if settings.meili_master_key else None
    search_key = settings.meili_search_key.get_secret_value() if settings.meili_search_key else None
    return indexing.meili_engine(settings.meili_url, key, search_key=search_key)


def _worker(args: argparse.Namespace) -> int:
    from app import worker

    settings = get_settings()
    meili = _meili(settings)
    url = resolve_database_url(settings)
    run_migrations(url)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))
    options = worker.WorkerOptions(batch=args.batch, idle_seconds=args.idle_seconds, once=args.once)
    asyncio.run(worker.run(settings, url, meili, options, stopping=lambda: stop["now"]))
    return 0


def _reindex(args: argparse.Namespace) -> int:
    from app.indexing.maintenance import reindex

    settings = get_settings()
    url = resolve_database_url(settings)
    run_migrations(url)
    names = [args.index] if args.index else list(SPECS)

    async def run() -> None:
        engine = make_engine(url, pool_size=3)
        try:
            for name in names:
                figures = await reindex(make_sessionmaker(engine), _meili(settings), name)
                rate = figures["documents"] / max(figures["postgres_seconds"], 0.001)
                print(
                    f"  {name:<20} {int(figures['documents']):>7} documents, "
                    f"PostgreSQL {figures['postgres_seconds']} s ({rate:,.0f} docs/s)"
                    + (
                        f", Meilisearch {figures['meilisearch_seconds']} s, replayed {figures['replayed']}"
                        if "meilisearch_seconds" in figures
                        else ""
                    )
                )
                log.info("reindex.done", extra={"index": name, **figures})
        finally:
            await engine.dispose()

    asyncio.run(run())
    return 0


def _search_check(args: argparse.Namespace) -> int:
    from app.indexing.maintenance import check

    settings = get_settings()
    url = resolve_database_url(settings)
    run_migrations(url)
    names = [args.index] if args.index else list(SPECS)
    drifted = 0

    async def run() -> None:
        nonlocal drifted
        engine = make_engine(url, pool_size=3)
        try:
            print(f"  {'index':<32} {'expected':>8} {'indexed':>8} {'missing':>8} {'stale':>6} {'extra':>6}")
            for name in names:
                for d in await check(make_sessionmaker(engine), _meili(settings), name, repair=args.repair):
                    drifted += d.missing + d.stale + d.extra
                    print(
                        f"  {d.index:<32} {d.expected:>8} {d.indexed:>8} {d.missing:>8} "
                        f"{d.stale:>6} {d.extra:>6}"
                    )
        finally:
            await engine.dispose()

    asyncio.run(run())
    if drifted and not args.repair:
        print("drift found: run again with --repair to fix it", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "0")) or None,
        help="API processes behind the one port (default: WEB_CONCURRENCY, else the CPU count)",
    )
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(handler=_migrate)

    seed = commands.add_parser(
        "seed", help="load the catalog (idempotent), and with --demo a demo marketplace"
    )
    seed.add_argument("--demo", action="store_true", help="also load the demo marketplace (once)")
    seed.add_argument(
        "--scale",
        type=int,
        default=1,
        choices=range(1, 101),
        metavar="N",
        help="multiply the demo counts by N (1-100)",
    )
    seed.set_defaults(handler=_seed)

    worker = commands.add_parser(
        "worker",
        help="deliver lead webhooks, and relay the search outbox to Meilisearch when MEILI_URL is set",
    )
    worker.add_argument("--batch", type=int, default=500)
    worker.add_argument("--idle-seconds", type=float, default=1.0)
    worker.add_argument("--once", action="store_true", help="stop when the outbox is empty")
    worker.set_defaults(handler=_worker)

    reindex = commands.add_parser("reindex", help="rebuild search indexes behind an atomic swap")
    reindex.add_argument("--index", choices=sorted(SPECS))
    reindex.set_defaults(handler=_reindex)

    check = commands.add_parser("search-check", help="compare data and search indexes; --repair fixes drift")
    check.add_argument("--index", choices=sorted(SPECS))
    check.add_argument("--repair", action="store_true")
    check.set_defaults(handler=_search_check)

    sheet = commands.add_parser(
        "import", help="import demands (as drafts) or products (as listed) from an .xlsx, all or nothing"
    )
    sheet.add_argument("list", choices=["demands", "products"])
    sheet.add_argument("file", help="the .xlsx workbook (the headers of GET /admin/exports/{list})")
    sheet.add_argument("--admin-email", required=True, help="the admin the import is recorded under")
    sheet.add_argument("--dry-run", action="store_true", help="check and report; import nothing")
    sheet.set_defaults(handler=_import)

    admin = commands.add_parser("create-admin", help="create an admin (经信部门) user")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="omit to be prompted")
    admin.add_argument("--name", default="管理员")
    admin.set_defaults(handler=_create_admin)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except (ConfigurationError, ValueError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, json_lines=settings.log_json)
    indexing.configure(outbox=settings.meili_url is not None)
    security.configure(settings)
    try:
        code: int = args.handler(args)
        return code
    except (EmbeddedPostgresError, AppError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        stop_embedded_if_started()
