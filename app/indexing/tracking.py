"""Notice every change to a searchable entity, whoever made it, so no write can forget the index."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models.demand import Demand
from app.models.financing import FinancingProduct
from app.models.organization import Organization
from app.models.product import Product

KINDS: dict[type[Any], str] = {
    Demand: "demand",
    Product: "product",
    FinancingProduct: "financing",
    Organization: "organization",
}
INFO_KEY = "search_changes"


@event.listens_for(Session, "after_flush")
def _remember_changes(session: Session, _context: Any) -> None:
    # In after_flush the new/dirty/deleted sets still show what was flushed, and new rows have their ids.
    changes: set[tuple[str, uuid.UUID]] = session.info.setdefault(INFO_KEY, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        kind = KINDS.get(type(obj))
        if kind is not None and getattr(obj, "id", None) is not None:
            changes.add((kind, obj.id))


def take_changes(session: Session) -> set[tuple[str, uuid.UUID]]:
    changes: set[tuple[str, uuid.UUID]] = session.info.pop(INFO_KEY, set())
    return changes
