"""Turn unique-constraint races into 409s instead of 500s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict


async def flush_or_conflict(
    session: AsyncSession, conflicts: Mapping[str, tuple[Sequence[str | int], str]]
) -> None:
    """Flush; if a named unique constraint fires, raise 409 pointing at the field it guards."""
    try:
        await session.flush()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if isinstance(constraint, str) and constraint in conflicts:
            loc, msg = conflicts[constraint]
            raise Conflict(msg, errors=[{"loc": list(loc), "msg": msg, "type": "conflict"}]) from exc
        raise
