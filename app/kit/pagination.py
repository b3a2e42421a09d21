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
from sqlalchemy import Integer, Select, bindparam, tuple_
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
            ["query", "cursor"],
            "Malformed cursor: pass next_cursor from a previous page.",
            zh="游标格式有误：请传入上一页返回的 next_cursor。",
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
                ["query", "cursor"],
                "Malformed cursor: pass next_cursor from a previous page.",
                zh="游标格式有误：请传入上一页返回的 next_cursor。",
            )


def keyset_statement(
    stmt: Select[*tuple[Any, ...]],
    *,
    keys: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    after: bool,
    direction: Literal["asc", "desc"] = "desc",
) -> Select[Any]:
    """`stmt` ordered by `keys`, limited by the bind parameter `page_limit` and, when `after`, continuing
    after the bind parameters `after_0`, `after_1`, … (one per key).

    Everything that varies is a bind parameter, so a hot list can build this once per filter shape and
    reuse it: building a statement costs more than running it.
    """
    if after:
        bound = [bindparam(f"after_{i}", type_=key.type) for i, key in enumerate(keys)]
        if direction == "desc":
            stmt = stmt.where(tuple_(*keys) < tuple_(*bound))
        else:
            stmt = stmt.where(tuple_(*keys) > tuple_(*bound))
    order = [k.desc() if direction == "desc" else k.asc() for k in keys]
    return stmt.order_by(*order).limit(bindparam("page_limit", type_=Integer))


def page_binds(
    params: PageParams, keys: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]]
) -> dict[str, Any]:
    """The bind values `keyset_statement` needs for this page (the cursor checked against the keys)."""
    binds: dict[str, Any] = {"page_limit": params.limit + 1}
    if params.cursor is not None:
        after = decode_cursor(params.cursor, len(keys))
        _check_types(after, keys)
        binds.update({f"after_{i}": value for i, value in enumerate(after)})
    return binds


def cut_page(
    rows: list[Any], keys: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]], params: PageParams
) -> tuple[list[Any], str | None]:
    """Drop the look-ahead row and make the next cursor from the last row kept."""
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1]
    # A row may be an entity, a plain row, or (entity, extra columns…) with the keys on the entity.
    return rows, encode_cursor(
        [
            getattr(last, str(k.key)) if hasattr(last, str(k.key)) else getattr(last[0], str(k.key))
            for k in keys
        ]
    )


async def keyset_page(
    session: AsyncSession,
    stmt: Select[*tuple[Any, ...]],
    *,
    keys: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    params: PageParams,
    direction: Literal["asc", "desc"] = "desc",
    binds: dict[str, Any] | None = None,
) -> tuple[list[Any], str | None]:
    """Run `stmt` for one page ordered by `keys` (the last key must be unique, usually `id`).

    Returns the rows (scalars when the statement selects one entity) and the next cursor.
    """
    paged = keyset_statement(stmt, keys=keys, after=params.cursor is not None, direction=direction)
    result = await session.execute(paged, {**page_binds(params, keys), **(binds or {})})
    rows: list[Any] = (
        list(result.scalars().all()) if len(stmt.column_descriptions) == 1 else list(result.all())
    )
    return cut_page(rows, keys, params)


async def core_page(
    session: AsyncSession,
    paged: Select[Any],
    *,
    keys: Sequence[ColumnElement[Any]],
    params: PageParams,
    binds: dict[str, Any],
) -> tuple[list[Any], str | None]:
    """One page of a prebuilt Core statement from `keyset_statement`, run on the session's connection.

    The hot public lists use this: plain column rows, no ORM compile step, no statement building.
    """
    connection = await session.connection()
    result = await connection.execute(paged, {**page_binds(params, keys), **binds})
    return cut_page(list(result.all()), keys, params)
