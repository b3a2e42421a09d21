"""Record every ORM write made on behalf of an admin or an operator, in the same transaction.

The request's session carries the actor (`begin`); before each flush, every new, changed or deleted
row of a domain table becomes an `audit_events` row: the table, the row's id, the changed columns'
values before and after (secrets left out), and the region the row belongs to (its own `region_code`,
or its organization's), so that the log can be read by region. A rolled-back change leaves no record,
and a committed one always has its record: they are one transaction.

Writes made with bulk SQL statements (not through the ORM) are not seen here; the services that make
them on an operator's behalf (none today) would have to `record` them themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from app.models.base import UUIDPrimaryKey
from app.models.conversation import AuditEvent
from app.models.organization import Organization

ACTOR_KEY = "audit_actor"

# Bookkeeping, not decisions: queues, caches, counters, tokens, and the log itself.
SKIPPED_TABLES = frozenset(
    {
        "audit_events",
        "account_tokens",
        "auth_sessions",
        "refresh_tokens",
        "rate_limit_buckets",
        "idempotency_keys",
        "mail_outbox",
        "search_outbox",
        "search_results_cache",
        "cached_matches",
        "jobs",
        "notifications",
        "sms_codes",
        "demand_facts",
        "stats_cells",
        "stats_cell_deltas",
        "webhook_deliveries",
        "webhook_attempts",
    }
)
SECRET_WORDS = ("password", "hash", "secret", "token")


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    organization_id: uuid.UUID


def begin(session: Session, actor: Actor) -> None:
    """From now on, this session's writes are recorded as `actor`'s."""
    session.info[ACTOR_KEY] = actor


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def _secret(name: str) -> bool:
    return any(word in name for word in SECRET_WORDS)


def _region_of(session: Session, obj: Any) -> str | None:
    code = getattr(obj, "region_code", None)
    if isinstance(code, str):
        return code
    if obj.__tablename__ == "regions":
        return str(obj.code)
    organization_id = getattr(obj, "organization_id", None)
    if isinstance(organization_id, uuid.UUID):
        with session.no_autoflush:
            organization = session.get(Organization, organization_id)
        return organization.region_code if organization is not None else None
    return None


def _object_id(obj: Any) -> str:
    identity = inspect(obj).identity
    if identity:
        return ",".join(str(part) for part in identity)
    return str(getattr(obj, "id", None) or getattr(obj, "code", ""))


def _changes(obj: Any, how: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attribute in state.mapper.column_attrs:
        name = attribute.key
        if _secret(name):
            continue
        history = state.attrs[name].history
        if how == "create":
            after[name] = _plain(getattr(obj, name))
        elif how == "delete":
            before[name] = _plain(history.unchanged[0] if history.unchanged else getattr(obj, name))
        elif history.has_changes():
            before[name] = _plain(history.deleted[0] if history.deleted else None)
            after[name] = _plain(history.added[0] if history.added else None)
    if how == "update" and "version" in after and len(after) == 1:
        return None, None
    return (before or None) if how != "create" else None, (after or None) if how != "delete" else None


def _record(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    actor = session.info.get(ACTOR_KEY)
    if not isinstance(actor, Actor):
        return
    pending: list[AuditEvent] = []
    for how, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in list(objects):
            table = getattr(obj, "__tablename__", None)
            if table is None or table in SKIPPED_TABLES:
                continue
            if how == "update" and not session.is_modified(obj, include_collections=False):
                continue
            before, after = _changes(obj, how)
            if how == "update" and before is None and after is None:
                continue
            if how == "create" and isinstance(obj, UUIDPrimaryKey) and obj.id is None:
                # The id is otherwise given during the flush; take it now, so the log names the row.
                obj.id = uuid.uuid4()
                after = _changes(obj, how)[1]
            pending.append(
                AuditEvent(
                    id=uuid.uuid4(),
                    actor_user_id=actor.user_id,
                    action=f"{table}.{how}",
                    subject_type=table,
                    subject_id=_object_id(obj),
                    reason="",
                    before=before,
                    after=after,
                    region_code=_region_of(session, obj),
                )
            )
    session.add_all(pending)


def install() -> None:
    """Listen on every session (once per process)."""
    if not event.contains(Session, "before_flush", _record):
        event.listen(Session, "before_flush", _record)
