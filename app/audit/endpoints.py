"""GET /admin/audit-log: who changed what, when, from what to what."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from app.audit import repository
from app.audit.schemas import AuditActor, AuditEntry, AuditLog
from app.auth import scope
from app.deps import ProvinceOperator, SessionDep
from app.kernel import RegionCode
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get(
    "/audit-log",
    operation_id="get_audit_log",
    responses=problems(401, 403, 422),
    summary="Every write admins and operators made, with the values before and after",
)
async def audit_log(
    principal: ProvinceOperator,
    session: SessionDep,
    page: PageParamsDep,
    object_type: str | None = Query(default=None, max_length=40, pattern=r"^[a-z_]+$"),
    object_id: str | None = Query(default=None, max_length=64, pattern=r"^[0-9A-Za-z_,.-]+$"),
    actor_id: uuid.UUID | None = None,
    region_code: RegionCode | None = Query(
        default=None, description="Objects in this region; a 市州 code takes its 区县 too."
    ),
) -> AuditLog:
    """Admins and province operators (服务专员 at province level): every write an admin or an operator
    made through the API (`<table>.create|update|delete`, the changed columns before and after, secrets
    left out) and every private read an admin made (`read_conversation`, with its reason), newest first,
    paged with `cursor`. Filter by the object (`object_type` is the table, `object_id` its id), by the
    actor, or by the region the object belongs to."""
    rows, cursor = await repository.page(
        session,
        page,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        region_prefix=scope.prefix(region_code) if region_code else None,
    )
    items = [
        AuditEntry(
            id=event.id,
            at=event.created_at,
            actor=AuditActor(
                id=user.id,
                name=user.name,
                email=user.email,
                organization_id=organization.id,
                organization_name=organization.name,
            )
            if user is not None and organization is not None
            else None,
            action=event.action,
            object_type=event.subject_type,
            object_id=event.subject_id,
            region_code=event.region_code,
            before=event.before,
            after=event.after,
            reason=event.reason,
        )
        for event, user, organization in rows
    ]
    return AuditLog(items=items, next_cursor=cursor)
