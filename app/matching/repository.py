"""Queries for matching: the candidates of providers and financing, suppliers' records, the owner's
feedback, and the checks that a match target exists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.demand import Demand
from app.models.financing import FinancingProduct
from app.models.matching import MatchFeedback
from app.models.organization import Organization
from app.models.product import Product
from app.models.quote import Quote

VETTED = Organization.vetting_status == "vetted"


async def demand(session: AsyncSession, demand_id: uuid.UUID) -> Demand | None:
    return await session.get(Demand, demand_id)


async def product_with_supplier(session: AsyncSession, product_id: uuid.UUID) -> tuple[Product, str] | None:
    row = (
        await session.execute(
            select(Product, Organization.name)
            .join(Organization, Organization.id == Product.organization_id)
            .where(Product.id == product_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def supplier_records(
    session: AsyncSession, ids: set[uuid.UUID]
) -> list[tuple[uuid.UUID, str | None, int, int]]:
    """(organization id, its city, accepted quotes, accepted quotes whose demand is completed)."""
    accepted = func.count(Quote.id).filter(Quote.status == "accepted")
    delivered = func.count(Quote.id).filter(Quote.status == "accepted", Demand.status == "completed")
    rows = await session.execute(
        select(Organization.id, Organization.region_code, accepted, delivered)
        .outerjoin(Quote, Quote.organization_id == Organization.id)
        .outerjoin(Demand, Demand.id == Quote.demand_id)
        .where(Organization.id.in_(ids))
        .group_by(Organization.id, Organization.region_code)
    )
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


async def latest_feedback(session: AsyncSession, demand_id: uuid.UUID, kind: str) -> dict[str, str]:
    """target id → the latest action on it (shortlist | dismiss | clear)."""
    rows = await session.execute(
        select(MatchFeedback.target_id, MatchFeedback.action)
        .where(MatchFeedback.demand_id == demand_id, MatchFeedback.kind == kind)
        .order_by(MatchFeedback.target_id, MatchFeedback.created_at.desc(), MatchFeedback.id)
        .ext(distinct_on(MatchFeedback.target_id))
    )
    return {r[0]: r[1] for r in rows}


async def vetted_providers(session: AsyncSession, types: Sequence[str]) -> Sequence[Organization]:
    """Vetted providers, of one of `types` when any are given."""
    stmt = select(Organization).where(Organization.kind == "provider", VETTED)
    if types:
        stmt = stmt.where(Organization.provider_types.overlap(list(types)))
    return (await session.scalars(stmt)).all()


async def active_financing(session: AsyncSession) -> list[tuple[FinancingProduct, str]]:
    """Active financing products of vetted banks, with the bank's name."""
    rows = await session.execute(
        select(FinancingProduct, Organization.name)
        .join(Organization, Organization.id == FinancingProduct.organization_id)
        .where(FinancingProduct.is_active, VETTED)
    )
    return [(p, name) for p, name in rows.all()]


async def target_exists(session: AsyncSession, kind: str, ident: uuid.UUID) -> bool:
    """A listed product of a vetted supplier, a vetted provider, or an active product of a vetted bank."""
    stmt: Any
    if kind == "product":
        stmt = (
            select(Product.id)
            .join(Organization, Organization.id == Product.organization_id)
            .where(Product.id == ident, Product.status == "listed", VETTED)
        )
    elif kind == "provider":
        stmt = select(Organization.id).where(
            Organization.id == ident, Organization.kind == "provider", VETTED
        )
    else:
        stmt = (
            select(FinancingProduct.id)
            .join(Organization, Organization.id == FinancingProduct.organization_id)
            .where(FinancingProduct.id == ident, FinancingProduct.is_active, VETTED)
        )
    return await session.scalar(stmt) is not None


async def published_demands_of_vetted(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[tuple[Demand, str]]:
    """Of these demands, the published ones of vetted enterprises, with the enterprise's name."""
    rows = await session.execute(
        select(Demand, Organization.name)
        .join(Organization, Organization.id == Demand.organization_id)
        .where(Demand.id.in_(list(ids)), Demand.status == "published", VETTED)
    )
    return [(d, name) for d, name in rows.all()]


async def dismissed_by(
    session: AsyncSession, demand_ids: Sequence[uuid.UUID], product_id: uuid.UUID
) -> set[uuid.UUID]:
    """The demands whose owners' latest action on this product's match is a dismissal."""
    latest = (
        select(MatchFeedback.demand_id, MatchFeedback.action)
        .where(
            MatchFeedback.demand_id.in_(list(demand_ids)),
            MatchFeedback.kind == "product",
            MatchFeedback.target_id == str(product_id),
        )
        .order_by(MatchFeedback.demand_id, MatchFeedback.created_at.desc(), MatchFeedback.id)
        .ext(distinct_on(MatchFeedback.demand_id))
        .subquery()
    )
    return set((await session.scalars(select(latest.c.demand_id).where(latest.c.action == "dismiss"))).all())
