"""Sending notifications: one row per message to an organization (every member sees it)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.matching import Notification


async def notify(
    session: AsyncSession,
    organization_id: uuid.UUID,
    kind: str,
    title: str,
    body: str,
    data: dict[str, Any],
) -> None:
    session.add(
        Notification(
            organization_id=organization_id,
            kind=kind,
            title=title if len(title) <= 200 else title[:199] + "…",
            body=body,
            data=data,
            created_at=utcnow(),
        )
    )
