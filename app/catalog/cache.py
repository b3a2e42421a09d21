"""Each process's encoded catalog bodies (app/catalog/endpoints.py serves them)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Build = Callable[[AsyncSession], Awaitable[BaseModel]]


class CatalogCache:
    """One process's encoded catalog bodies, each with the monotonic time it stops being fresh."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._bodies: dict[str, tuple[float, bytes]] = {}

    def clear(self) -> None:
        """Forget every body (after a change to the data, such as a 试点县): the next read rebuilds."""
        self._bodies.clear()

    async def body(self, name: str, build: Build, sessionmaker: async_sessionmaker[AsyncSession]) -> bytes:
        now = time.monotonic()
        held = self._bodies.get(name)
        if held is not None and held[0] > now:
            return held[1]
        # Two requests missing at once both read: harmless, and cheaper than a lock on every hit.
        async with sessionmaker() as session:
            body = (await build(session)).model_dump_json().encode()
        self._bodies[name] = (now + self.ttl_seconds, body)
        return body
