"""Keyset (cursor) pagination: the one way every list in the API pages.

A cursor is the sort key of the last item returned, base64url-encoded JSON. It is opaque to clients
and stable under inserts: new rows never shift or repeat items on later pages.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Query
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from app.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 100
DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


def _page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-100).")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="Opaque cursor from a previous page's next_cursor.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if isinstance(value, int | float | str) or value is None:
        return value
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _decode_value(raw: Any) -> Any:
    if isinstance(raw, dict) and len(raw) == 1:
        ((tag, text),) = raw.items()
        if tag == "t" and isinstance(text, str):
            return datetime.fromisoformat(text)
        if tag == "u" and isinstance(text, str):
            return uuid.UUID(text)
        raise ValueError("unknown tag")
    if isinstance(raw, int | float | str) or raw is None:
        return raw
    raise ValueError("bad value")


def encode_cursor(values: Sequence[Any]) -> str:
    payload = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(raw, list) or len(raw) != width:
            raise ValueError("wrong shape")
        return [_decode_value(v) for v in raw]
    except (ValueError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            ["query", "cursor"], "Malformed cursor: pass next_cursor from a previous page."
        ) from exc


def _check_types(
    values: Sequence[Any], keys: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]]
) -> None:
    """A cursor's values must have the types of the keys it continues (a forged one is a 422, not a 500)."""
    for value, key in zip(values, keys, strict=True):
        try:
            expected = key.type.python_type
        except NotImplementedError:
            continue
        ok = value is None or isinstance(value, expected) or (expected is float and isinstance(value, int))
        if not ok or (expected is int and isinstance(value, bool)):
            raise InvalidInput(
                ["query", "cursor"], "Malformed cursor: pass next_cursor from a previous page."
            )


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any] | Select[Any, Any],
    *,
    keys: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    params: PageParams,
    direction: Literal["asc", "desc"] = "desc",
) -> tuple[list[Any], str | None]:
    """Run `stmt` for one page ordered by `keys` (the last key must be unique, usually `id`).

    Returns the rows (scalars when the statement selects one entity) and the next cursor.
    """
    if params.cursor is not None:
        after = decode_cursor(params.cursor, len(keys))
        _check_types(after, keys)
        if direction == "desc":
            stmt = stmt.where(tuple_(*keys) < tuple_(*after))
        else:
            stmt = stmt.where(tuple_(*keys) > tuple_(*after))
    order = [k.desc() if direction == "desc" else k.asc() for k in keys]
    stmt = stmt.order_by(*order).limit(params.limit + 1)
    result = await session.execute(stmt)
    rows: list[Any] = (
        list(result.scalars().all()) if len(stmt.column_descriptions) == 1 else list(result.all())
    )
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        last = rows[-1]
        # A row may be an entity, a plain row, or (entity, extra columns…) with the keys on the entity.
        next_cursor = encode_cursor(
            [
                getattr(last, str(k.key)) if hasattr(last, str(k.key)) else getattr(last[0], str(k.key))
                for k in keys
            ]
        )
    return rows, next_cursor
