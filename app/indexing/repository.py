"""Queries behind the search documents and the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit import leases
from app.models.demand import Demand
from app.models.financing import FinancingProduct
from app.models.organization import Organization
from app.models.outbox import SearchOutbox
from app.models.product import Product


async def demands_with_owners(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[tuple[Demand, str, str]]:
    stmt = (
        select(Demand, Organization.name, Organization.vetting_status)
        .join(Organization, Organization.id == Demand.organization_id)
        .where(Demand.id.in_(list(ids)))
    )
    return [(d, n, s) for d, n, s in (await session.execute(stmt)).all()]


async def products_with_suppliers(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[tuple[Product, str, str]]:
    stmt = (
        select(Product, Organization.name, Organization.vetting_status)
        .join(Organization, Organization.id == Product.organization_id)
        .where(Product.id.in_(list(ids)))
    )
    return [(p, n, s) for p, n, s in (await session.execute(stmt)).all()]


async def financing_with_banks(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[tuple[FinancingProduct, str, str]]:
    stmt = (
        select(FinancingProduct, Organization.name, Organization.vetting_status)
        .join(Organization, Organization.id == FinancingProduct.organization_id)
        .where(FinancingProduct.id.in_(list(ids)))
    )
    return [(p, n, s) for p, n, s in (await session.execute(stmt)).all()]


async def organizations(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Organization]:
    return list((await session.scalars(select(Organization).where(Organization.id.in_(list(ids))))).all())


async def dependents(
    session: AsyncSession, organization_ids: Sequence[uuid.UUID]
) -> tuple[list[uuid.UUID], list[uuid.UUID], list[uuid.UUID]]:
    """Demands, products and financing products whose documents show these organizations."""
    ids = list(organization_ids)
    demands = (await session.scalars(select(Demand.id).where(Demand.organization_id.in_(ids)))).all()
    products = (await session.scalars(select(Product.id).where(Product.organization_id.in_(ids)))).all()
    financing = (
        await session.scalars(select(FinancingProduct.id).where(FinancingProduct.organization_id.in_(ids)))
    ).all()
    return list(demands), list(products), list(financing)


async def all_ids(session: AsyncSession, index: str) -> list[uuid.UUID]:
    model: Any = {
        "demands": Demand,
        "products": Product,
        "financing_products": FinancingProduct,
        "providers": Organization,
    }[index]
    stmt = select(model.id)
    if index == "providers":
        stmt = stmt.where(Organization.kind == "provider")
    return list((await session.scalars(stmt.order_by(model.id))).all())


# -- outbox -------------------------------------------------------------------------------------
async def enqueue(session: AsyncSession, rows: Sequence[tuple[str, uuid.UUID]]) -> None:
    session.add_all(SearchOutbox(index_name=index, doc_id=doc_id) for index, doc_id in rows)


OUTBOX = leases.Queue(
    SearchOutbox, due=lambda: SearchOutbox.available_at, still_open=lambda: SearchOutbox.dead_at.is_(None)
)


async def claim(session: AsyncSession, *, worker: str, limit: int, lease: timedelta) -> list[SearchOutbox]:
    """Take up to `limit` ready rows no other relay holds (app/kit/leases.py), committed at once."""
    return await leases.claim(session, OUTBOX, worker=worker, limit=limit, lease=lease)


async def acknowledge(session: AsyncSession, ids: Sequence[int], *, worker: str) -> int:
    result = await session.execute(
        delete(SearchOutbox).where(SearchOutbox.id.in_(list(ids)), SearchOutbox.locked_by == worker)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def release_for_retry(
    session: AsyncSession,
    ids: Sequence[int],
    *,
    worker: str,
    error: str,
    available_at: datetime,
    dead: bool,
    undo_attempt: bool = False,
) -> None:
    await leases.release_for_retry(
        session,
        SearchOutbox,
        ids,
        worker=worker,
        error=error,
        available_at=available_at,
        dead=dead,
        undo_attempt=undo_attempt,
    )


async def backlog(session: AsyncSession) -> dict[str, int]:
    ready = await session.scalar(
        select(func.count()).select_from(SearchOutbox).where(SearchOutbox.dead_at.is_(None))
    )
    dead = await session.scalar(
        select(func.count()).select_from(SearchOutbox).where(SearchOutbox.dead_at.isnot(None))
    )
    return {"pending": int(ready or 0), "dead": int(dead or 0)}
