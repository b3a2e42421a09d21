"""Liveness and readiness for orchestrators and humans."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    database: Literal["ok", "unavailable"]
    search: Literal["ok", "degraded"]
    engine: Literal["meilisearch", "postgres"]


@router.get("/healthz", operation_id="healthz", summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Database and search engine reachability",
    responses={503: {"model": Readiness, "description": "The database is unreachable."}},
)
async def readyz(request: Request) -> JSONResponse:
    database: Literal["ok", "unavailable"] = "ok"
    try:
        async with request.app.state.read_sessionmaker() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        log.warning("readyz.database_unavailable", exc_info=True)
        database = "unavailable"
    # Without MEILI_URL the PostgreSQL engine serves search by design; with it, an unreachable
    # Meilisearch means search is degraded to the PostgreSQL fallback.
    meili = getattr(request.app.state, "meili", None)
    search: Literal["ok", "degraded"] = "ok" if database == "ok" else "degraded"
    engine: Literal["meilisearch", "postgres"] = "postgres"
    if meili is not None:
        if await meili.healthy():
            engine = "meilisearch"
        else:
            search = "degraded"
    readiness = Readiness(database=database, search=search, engine=engine)
    return JSONResponse(readiness.model_dump(), status_code=200 if database == "ok" else 503)
