"""create_app(): routers, middleware, and the one exception-handler family."""

from __future__ import annotations

import contextlib
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import openapi
from app.accounts import security
from app.accounts.endpoints import router as accounts_router
from app.admin.endpoints import router as admin_router
from app.attachments.endpoints import router as attachments_router
from app.attachments.inspect import KINDS as ATTACHMENT_KINDS
from app.attachments.storage import storage_for
from app.audit.endpoints import router as audit_router
from app.catalog.cache import CatalogCache
from app.catalog.endpoints import router as catalog_router
from app.config import Settings, get_settings
from app.conversations.endpoints import router as conversations_router
from app.db import make_engine, make_read_sessionmaker, make_sessionmaker, resolve_database_url
from app.demands.endpoints import router as demands_router
from app.deps import ACCEPTS_TOKEN, REQUIRES_TOKEN
from app.diagnoses.endpoints import router as diagnoses_router
from app.equipment.endpoints import router as equipment_router
from app.errors import UnhandledErrorMiddleware, install_handlers
from app.experts.endpoints import router as experts_router
from app.financing.endpoints import router as financing_router
from app.indexing import service as indexing
from app.indexing import tracking  # noqa: F401 - registers the change tracker
from app.indexing.relay import worker_name
from app.kit import audit as recorder
from app.kit.body_limit import BodyLimitMiddleware
from app.kit.manners import ClientHeadersMiddleware, ConditionalGetMiddleware, ProblemCORSMiddleware
from app.leads.endpoints import router as leads_router
from app.matching.endpoints import router as matching_router
from app.notifications.endpoints import router as notifications_router
from app.notifications.stream import NotificationHub
from app.operators.endpoints import router as operators_router
from app.ops.endpoints import router as ops_router
from app.organizations.endpoints import router as organizations_router
from app.phones.endpoints import router as phones_router
from app.policies.application_endpoints import router as applications_router
from app.policies.endpoints import router as policies_router
from app.products.endpoints import router as products_router
from app.providers.endpoints import router as providers_router
from app.quotes.endpoints import router as quotes_router
from app.saved_searches.endpoints import router as saved_searches_router
from app.search_api import service as search_service
from app.search_api.endpoints import router as search_router
from app.spreadsheets.endpoints import router as spreadsheets_router
from app.stats.endpoints import router as stats_router
from app.teams.endpoints import router as teams_router
from app.workflows.endpoints import router as workflows_router
from search.engine import SearchUnavailable

API_PREFIX = "/api/v1"
# Gzip pays off above about 1 KB; below it the header and the CPU cost more than they save.
GZIP_MINIMUM_BYTES = 1024
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a browser's script may read of a cross-origin response.
EXPOSED_HEADERS = (
    "ETag",
    "Location",
    "Retry-After",
    "Idempotent-Replayed",
    "Content-Language",
    "X-Request-ID",
)
access_log = logging.getLogger("app.access")


class AccessLogMiddleware:
    """One structured line per request, with a request id echoed back as X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = (
            dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        )
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "request_id": request_id,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(
    settings: Settings | None = None,
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> FastAPI:
    """Build the application. Tests pass their own sessionmaker; otherwise the lifespan makes one."""
    settings = settings or get_settings()
    security.configure(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine: AsyncEngine | None = None
        if sessionmaker is None:
            url = resolve_database_url(settings)
            engine = make_engine(url)
            app.state.notification_hub.listen_to(url)
            app.state.sessionmaker = make_sessionmaker(engine)
            app.state.read_sessionmaker = make_read_sessionmaker(engine)
        if app.state.meili is not None:
            # Find the search key now rather than on the first query; unreachable, it is found later.
            with contextlib.suppress(SearchUnavailable):
                await app.state.meili.search_client()
        yield
        await app.state.notification_hub.close()
        if engine is not None:
            await engine.dispose()

    app = FastAPI(
        title="四川省工业设备更新供需对接 API",
        summary="Supply-demand matchmaking for Sichuan's equipment-renewal programme "
        "(川经信规划〔2024〕73号)",
        version="1.0.0",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.before_commit = [indexing.apply_changes]
    app.state.catalog_cache = CatalogCache(settings.catalog_cache_seconds)
    app.state.storage = storage_for(
        settings.storage_url,
        settings.data_dir,
        endpoint=settings.s3_endpoint_url,
        access_key_id=settings.s3_access_key_id.get_secret_value() if settings.s3_access_key_id else None,
        secret_access_key=(
            settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
        ),
        region=settings.s3_region,
    )
    # Who runs a request's after-commit jobs (the worker's claims carry their own names).
    app.state.worker_name = f"api:{worker_name()}"
    app.state.notification_hub = NotificationHub(max_streams_per_user=settings.notification_streams_per_user)
    key = settings.meili_master_key.get_secret_value() if settings.meili_master_key else None
    search_key = settings.meili_search_key.get_secret_value() if settings.meili_search_key else None
    # The master key indexes; queries go out with a search-only key (search/meili.py).
    app.state.meili = indexing.meili_engine(settings.meili_url, key, search_key=search_key)
    indexing.configure(outbox=settings.meili_url is not None)
    search_service.configure_cache(settings.search_cache_seconds)
    if sessionmaker is not None:
        app.state.sessionmaker = app.state.read_sessionmaker = sessionmaker

    for router in (
        ops_router,
        catalog_router,
        accounts_router,
        organizations_router,
        teams_router,
        attachments_router,
        conversations_router,
        phones_router,
        providers_router,
        demands_router,
        workflows_router,
        products_router,
        financing_router,
        quotes_router,
        search_router,
        matching_router,
        leads_router,
        saved_searches_router,
        notifications_router,
        admin_router,
        operators_router,
        equipment_router,
        diagnoses_router,
        experts_router,
        policies_router,
        applications_router,
        audit_router,
        spreadsheets_router,
        stats_router,
    ):
        # Straight onto the app (not through a nested /api/v1 router): one level less to match per request.
        app.include_router(router, prefix=API_PREFIX)
    install_handlers(app)
    recorder.install()
    openapi.install(app, required=REQUIRES_TOKEN, optional=ACCEPTS_TOKEN)
    # Innermost first: the body cap, conditional GETs (the ETag of the uncompressed body), unexpected
    # errors as 500 problems, gzip, CORS,
    # then the headers every response carries (nosniff, language, Cache-Control) around all of them, so
    # a 304 and a refused preflight get them too; the access log outermost.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        overrides={
            re.escape(f"{API_PREFIX}/admin/imports/"): settings.max_import_bytes,
            # The file plus its multipart envelope; the file alone is held to MAX_ATTACHMENT_BYTES.
            rf"{re.escape(API_PREFIX)}/[a-z-]+/[^/]+/attachments$": settings.max_attachment_bytes + 64 * 1024,
        },
    )
    app.add_middleware(ConditionalGetMiddleware)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_MINIMUM_BYTES,
        compresslevel=6,
        # Files that are compressed already (images, PDFs, Office zips) go as they are.
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, XLSX_MEDIA_TYPE, *ATTACHMENT_KINDS, "image/"),
    )
    if settings.cors_origins:
        app.add_middleware(
            ProblemCORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept-Language",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                "Last-Event-ID",
                "X-Request-ID",
            ],
            expose_headers=list(EXPOSED_HEADERS),
            max_age=600,
        )
    app.add_middleware(ClientHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware)
    return app
