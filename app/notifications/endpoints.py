"""Notifications: what the marketplace tells an organization (matches now; leads and saved searches later)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from app.deps import CurrentPrincipal, SessionDep
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.models.matching import Notification
from app.notifications import service

router = APIRouter(tags=["notifications"])


class NotificationOut(BaseModel):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    read_at: datetime | None
    created_at: datetime


class NotificationList(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None


def _view(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "data": n.data,
        "read_at": n.read_at,
        "created_at": n.created_at,
    }


@router.get(
    "/notifications",
    response_model=NotificationList,
    operation_id="list_notifications",
    responses=problems(401, 422),
    summary="The caller's organization's notifications, newest first",
)
async def list_notifications(
    session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep, unread: bool = False
) -> FastJSONResponse:
    rows, cursor = await service.page(session, principal.organization.id, page, unread_only=unread)
    return FastJSONResponse({"items": [_view(n) for n in rows], "next_cursor": cursor})


class UnreadCount(BaseModel):
    unread: int


@router.get(
    "/notifications/unread-count",
    response_model=UnreadCount,
    operation_id="count_unread_notifications",
    responses=problems(401),
    summary="How many of the organization's notifications are unread (for a badge)",
)
async def count_unread_notifications(session: SessionDep, principal: CurrentPrincipal) -> FastJSONResponse:
    return FastJSONResponse({"unread": await service.unread_count(session, principal.organization.id)})


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationOut,
    operation_id="read_notification",
    responses=problems(401, 404, 422),
    summary="Mark one of the organization's notifications read",
)
async def read_notification(
    notification_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> FastJSONResponse:
    notification = await service.mark_read(session, notification_id, principal.organization.id)
    return FastJSONResponse(_view(notification))
