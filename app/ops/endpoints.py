"""Liveness and readiness for orchestrators and humans."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.errors import PROBLEM_MEDIA_TYPE, problem, request_language
from app.kit.problems import PROBLEM_REF

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
    """For orchestrators: answers 200 while the process can serve requests; it checks nothing else."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="readyz",
    response_model=Readiness,
    summary="Database and search engine reachability",
    responses={
        503: {
            "description": "The database is unreachable: a problem carrying the same three fields.",
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {"allOf": [{"$ref": PROBLEM_REF}, {"$ref": "#/components/schemas/Readiness"}]}
                }
            },
        }
    },
)
async def readyz(request: Request) -> Response:
    """For orchestrators: whether the database answers and which search engine serves search. 503 when
    the database is unreachable; `search` is `degraded` when a configured Meilisearch cannot be
    reached (search then falls back to PostgreSQL) or the database is down."""
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
    if database == "ok":
        return JSONResponse(readiness.model_dump())
    zh = request_language(request) == "zh"
    return problem(
        503,
        "服务暂不可用" if zh else "Service unavailable",
        "数据库无法连接；请稍后重试。" if zh else "The database cannot be reached; try again shortly.",
        slug="unavailable",
        **readiness.model_dump(),
    )
