"""Idempotency-Key for create endpoints: a retry with the same key and body gets the first response.

The stored response is written in the same transaction as the thing created, so a failed request stores
nothing and may be retried. Keys are scoped to the calling user and kept for 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, InvalidInput
from app.kit.responses import FastJSONResponse, json_compatible
from app.models.base import utcnow
from app.models.idempotency import IdempotencyKey

RETENTION = timedelta(hours=24)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Retry-safe creation: the same key and body replay the first response for 24 h.",
    ),
]


def _payload(result: BaseModel | dict[str, Any]) -> Any:
    return result.model_dump(mode="json") if isinstance(result, BaseModel) else json_compatible(result)


def _fingerprint(method: str, path: str, body: BaseModel) -> bytes:
    canonical = json.dumps(
        body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).digest()


async def idempotent_create(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    key: str | None,
    method: str,
    path: str,
    body: BaseModel,
    create: Callable[[], Awaitable[BaseModel | dict[str, Any]]],
    status_code: int | Callable[[], int] = 201,
    location: str | None = None,
    stored_without: frozenset[str] = frozenset(),
    on_replay: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]] | None = None,
) -> FastJSONResponse:
    """Run `create` once per (user, key); replay its response for retries with the same body.

    `location` is the created resource's path with `{id}` for its id, sent as the `Location` header.
    Fields in `stored_without` (secrets) are left out of the stored response; `on_replay` puts them back
    from where they are kept safely. `status_code` may be a function, asked once `create` has run (an
    endpoint that answers 201 or 200 by what it found).
    """
    if key is None:
        payload = _payload(await create())
        code = status_code() if callable(status_code) else status_code
        return FastJSONResponse(payload, status_code=code, headers=_headers(location, payload))
    fingerprint = _fingerprint(method, path, body)
    stored = await _live_key(session, user_id=user_id, key=key)
    if stored is not None:
        return await _replay(stored, fingerprint, location=location, on_replay=on_replay)
    payload = _payload(await create())
    code = status_code() if callable(status_code) else status_code
    kept = payload
    if stored_without and isinstance(payload, dict):
        kept = {name: value for name, value in payload.items() if name not in stored_without}
    await _remember(
        session,
        IdempotencyKey(
            user_id=user_id, key=key, request_hash=fingerprint, status_code=code, response_body=kept
        ),
    )
    return FastJSONResponse(payload, status_code=code, headers=_headers(location, payload))


def _headers(location: str | None, payload: Any, **more: str) -> dict[str, str]:
    if location is not None and isinstance(payload, dict) and "id" in payload:
        more["Location"] = location.format(id=payload["id"])
    return more


async def _live_key(session: AsyncSession, *, user_id: uuid.UUID, key: str) -> IdempotencyKey | None:
    """The stored use of this key, if still within its retention. An expired one is deleted first, so the
    key may be reused without waiting for the scheduled purge."""
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at < utcnow() - RETENTION,
        )
    )
    return await session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )


async def _replay(
    stored: IdempotencyKey,
    fingerprint: bytes,
    *,
    location: str | None,
    on_replay: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]] | None,
) -> FastJSONResponse:
    """The first response again, marked as replayed; a different body under the same key is refused, since
    replaying would answer a request that was never run."""
    if stored.request_hash != fingerprint:
        raise InvalidInput(
            ["header", "Idempotency-Key"],
            "this key was already used with a different request; use a new key",
            zh="此键已用于另一个不同的请求；请换一个新键",
        )
    replayed = stored.response_body
    if on_replay is not None and isinstance(replayed, dict):
        replayed = await on_replay(replayed)
    return FastJSONResponse(
        replayed,
        status_code=stored.status_code,
        headers=_headers(location, replayed, **{"Idempotent-Replayed": "true"}),
    )


async def _remember(session: AsyncSession, stored: IdempotencyKey) -> None:
    """Store the response in the creating transaction; the unique key makes a concurrent twin fail here."""
    session.add(stored)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same key, concurrently: the first one wins
        raise Conflict(
            "A request with this Idempotency-Key is already in progress; retry shortly.",
            zh="使用此 Idempotency-Key 的请求正在处理中，请稍后重试。",
        ) from exc


async def purge(session: AsyncSession) -> int:
    """Delete keys past their retention (the worker runs this on a schedule)."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - RETENTION)
    )
    return int(getattr(result, "rowcount", 0) or 0)
