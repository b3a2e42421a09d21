"""Turn unique-constraint races into 409s instead of 500s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, FieldError


async def flush_or_conflict(
    session: AsyncSession, conflicts: Mapping[str, tuple[Sequence[str | int], str, str]]
) -> None:
    """Flush; if a named unique constraint fires, raise 409 pointing at the field it guards.

    `conflicts` maps a constraint name to (loc, English message, Chinese message)."""
    try:
        await session.flush()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if isinstance(constraint, str) and constraint in conflicts:
            loc, msg, zh = conflicts[constraint]
            raise Conflict(msg, zh=zh, errors=[FieldError(loc, msg, zh, type="conflict")]) from exc
        raise
