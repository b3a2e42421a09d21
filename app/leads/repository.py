"""Queries for lead subscriptions, leads and their webhook deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    String,
    Text,
    case,
    cast,
    column,
    func,
    literal,
    or_,
    select,
    text,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit import leases
from app.kit.pagination import PageParams, keyset_page
from app.kit.sql import array_open_or_has, region_path
from app.models.demand import Demand
from app.models.financing import FinancingProduct
from app.models.lead import Lead, LeadSubscription, WebhookAttempt, WebhookDelivery
from app.models.organization import Organization


# -- the demand and the organizations a lead joins ------------------------------------------------
async def demand(session: AsyncSession, demand_id: uuid.UUID) -> Demand | None:
    return await session.get(Demand, demand_id)


async def organization(session: AsyncSession, organization_id: uuid.UUID) -> Organization | None:
    return await session.get(Organization, organization_id)


async def organization_vetted(session: AsyncSession, organization_id: uuid.UUID) -> bool:
    vetted = await session.scalar(
        select(Organization.vetting_status == "vetted").where(Organization.id == organization_id)
    )
    return bool(vetted)


async def active_financing_products(
    session: AsyncSession, bank_ids: Iterable[uuid.UUID]
) -> list[FinancingProduct]:
    """The banks' active financing products; which of them a demand fits is the service's to judge."""
    stmt = select(FinancingProduct).where(
        FinancingProduct.organization_id.in_(list(bank_ids)), FinancingProduct.is_active
    )
    return list((await session.scalars(stmt)).all())


# -- subscriptions --------------------------------------------------------------------------------
async def subscription(session: AsyncSession, subscription_id: uuid.UUID) -> LeadSubscription | None:
    return await session.get(LeadSubscription, subscription_id)


async def subscriptions(
    session: AsyncSession, subscription_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, LeadSubscription]:
    stmt = select(LeadSubscription).where(LeadSubscription.id.in_(set(subscription_ids)))
    return {sub.id: sub for sub in (await session.scalars(stmt)).all()}


async def own_subscription_row(
    session: AsyncSession, subscription_id: uuid.UUID, bank_id: uuid.UUID, *, for_update: bool = False
) -> LeadSubscription | None:
    """The bank's subscription, unless it is deleted."""
    stmt = select(LeadSubscription).where(
        LeadSubscription.id == subscription_id,
        LeadSubscription.organization_id == bank_id,
        LeadSubscription.deleted_at.is_(None),
    )
    if for_update:
        # populate_existing: the row may already be in the session, read before the lock; reload it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def lock_subscription(session: AsyncSession, subscription_id: uuid.UUID) -> LeadSubscription | None:
    """The subscription locked and read afresh: the relay's snapshot is from before its sends."""
    return await session.get(LeadSubscription, subscription_id, with_for_update=True, populate_existing=True)


async def page_subscriptions(
    session: AsyncSession, bank_id: uuid.UUID, params: PageParams
) -> tuple[list[LeadSubscription], str | None]:
    stmt = select(LeadSubscription).where(
        LeadSubscription.organization_id == bank_id, LeadSubscription.deleted_at.is_(None)
    )
    return await keyset_page(
        session, stmt, keys=[LeadSubscription.created_at, LeadSubscription.id], params=params
    )


async def matching_subscriptions(
    session: AsyncSession, *, region_code: str, task_type: str, industry_code: str, amount_cny: int
) -> list[tuple[uuid.UUID, uuid.UUID, bool]]:
    """(subscription, bank, has a live endpoint) for every live subscription of a vetted bank whose criteria
    a demand with these values meets. Empty criteria admit everything; an industry criterion admits its
    sub-industries (a code prefix)."""
    industry_ok = or_(
        func.cardinality(LeadSubscription.industry_codes) == 0,
        select(literal(1))
        .select_from(func.unnest(LeadSubscription.industry_codes).table_valued("code").render_derived("c"))
        .where(literal(industry_code).like(text("c.code || '%'")))
        .exists(),
    )
    stmt = (
        select(
            LeadSubscription.id,
            LeadSubscription.organization_id,
            (LeadSubscription.webhook_url.isnot(None) & LeadSubscription.webhook_disabled_at.is_(None)).label(
                "hooked"
            ),
        )
        .join(Organization, Organization.id == LeadSubscription.organization_id)
        .where(
            LeadSubscription.deleted_at.is_(None),
            Organization.vetting_status == "vetted",
            or_(
                func.cardinality(LeadSubscription.region_codes) == 0,
                LeadSubscription.region_codes.overlap(region_path(region_code)),
            ),
            array_open_or_has(LeadSubscription.task_types, task_type),
            industry_ok,
            or_(LeadSubscription.amount_min_cny.is_(None), LeadSubscription.amount_min_cny <= amount_cny),
            or_(LeadSubscription.amount_max_cny.is_(None), LeadSubscription.amount_max_cny >= amount_cny),
        )
    )
    return [(row.id, row.organization_id, bool(row.hooked)) for row in (await session.execute(stmt)).all()]


# -- leads ----------------------------------------------------------------------------------------
async def insert_new_leads(
    session: AsyncSession,
    demand_id: uuid.UUID,
    owners: Sequence[tuple[uuid.UUID, uuid.UUID]],
    *,
    now: datetime,
) -> list[Lead]:
    """A new lead of the demand for each (subscription, bank); returns only those created. The pair is
    unique and a conflict does nothing, so a demand edited or published twice, even by two transactions at
    once, is a lead of a subscription exactly once."""
    stmt = (
        insert(Lead)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "subscription_id": subscription_id,
                    "organization_id": bank_id,
                    "demand_id": demand_id,
                    "status": "new",
                    "created_at": now,
                    "updated_at": now,
                }
                for subscription_id, bank_id in owners
            ]
        )
        .on_conflict_do_nothing(index_elements=["subscription_id", "demand_id"])
        .returning(Lead)
    )
    return list((await session.scalars(stmt)).all())


async def page_feed(
    session: AsyncSession, bank_id: uuid.UUID, *, created_before: datetime, params: PageParams
) -> tuple[list[Lead], str | None]:
    """The bank's leads created by `created_before`, oldest first, of demands still shared with banks."""
    stmt = (
        select(Lead)
        .join(Demand, Demand.id == Lead.demand_id)
        .where(Lead.organization_id == bank_id, Lead.created_at <= created_before, Demand.share_with_banks)
    )
    return await keyset_page(session, stmt, keys=[Lead.created_at, Lead.id], params=params, direction="asc")


async def own_lead_row(
    session: AsyncSession, lead_id: uuid.UUID, bank_id: uuid.UUID, *, lock: bool = False
) -> Lead | None:
    # A demand whose owner withdrew consent (share_with_banks false) is no longer the bank's to see.
    stmt = (
        select(Lead)
        .join(Demand, Demand.id == Lead.demand_id)
        .where(Lead.id == lead_id, Lead.organization_id == bank_id, Demand.share_with_banks)
    )
    if lock:
        stmt = stmt.with_for_update(of=Lead).execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def lock_lead_on_demand_of(
    session: AsyncSession, lead_id: uuid.UUID, enterprise_id: uuid.UUID
) -> Lead | None:
    """The lead, locked, if its demand is the enterprise's (whether or not the demand is still shared)."""
    stmt = (
        select(Lead)
        .join(Demand, Demand.id == Lead.demand_id)
        .where(Lead.id == lead_id, Demand.organization_id == enterprise_id)
        .with_for_update(of=Lead)
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def leads_with_bank_names(session: AsyncSession, demand_id: uuid.UUID) -> list[tuple[Lead, str]]:
    stmt = (
        select(Lead, Organization.name)
        .join(Organization, Organization.id == Lead.organization_id)
        .where(Lead.demand_id == demand_id)
        .order_by(Lead.created_at, Lead.id)
    )
    return [(lead, name) for lead, name in (await session.execute(stmt)).all()]


# -- webhook deliveries ---------------------------------------------------------------------------
async def page_deliveries(
    session: AsyncSession, subscription_id: uuid.UUID, params: PageParams
) -> tuple[list[WebhookDelivery], str | None]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    return await keyset_page(
        session, stmt, keys=[WebhookDelivery.created_at, WebhookDelivery.id], params=params
    )


async def attempts_of(session: AsyncSession, delivery_ids: Sequence[str]) -> list[WebhookAttempt]:
    """Every attempt at these deliveries, in the order they were recorded."""
    stmt = (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(list(delivery_ids)))
        .order_by(WebhookAttempt.id)
    )
    return list((await session.scalars(stmt)).all())


async def lock_delivery(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: str
) -> WebhookDelivery | None:
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == subscription_id)
        .with_for_update()
    )
    return await session.scalar(stmt)


DELIVERIES = leases.Queue(
    WebhookDelivery,
    due=lambda: WebhookDelivery.next_attempt_at,
    still_open=lambda: WebhookDelivery.status == "pending",
)


async def claim_deliveries(
    session: AsyncSession, *, worker: str, limit: int, lease: timedelta
) -> list[WebhookDelivery]:
    """Take up to `limit` due deliveries no other relay holds (app/kit/leases.py); the caller commits at
    once, before any HTTP."""
    return await leases.claim(session, DELIVERIES, worker=worker, limit=limit, lease=lease)


class Settled(NamedTuple):
    """What one attempt leaves on its delivery."""

    delivery_id: str
    status: str  # succeeded, dead or pending (to be retried at next_at)
    code: int | None
    error: str | None
    next_at: datetime


async def settle_deliveries(
    session: AsyncSession, results: Sequence[Settled], *, worker: str, now: datetime
) -> set[str]:
    """Write the batch's results in one UPDATE … FROM VALUES; returns the ids written. A row is written only
    while `worker` still holds its lease (else another relay owns it and its result counts) and it is still
    pending (a cancellation while the request was in flight stands)."""
    batch = values(
        column("id", String),
        column("status", String),
        column("code", Integer),
        column("error", Text),
        column("next_at", DateTime(timezone=True)),
        name="result",
    ).data([tuple(result) for result in results])
    stmt = (
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == batch.c.id,
            WebhookDelivery.locked_by == worker,
            WebhookDelivery.status == "pending",
        )
        .values(
            status=batch.c.status,
            last_status_code=cast(batch.c.code, Integer),
            last_error=batch.c.error,
            next_attempt_at=batch.c.next_at,
            locked_until=None,
            delivered_at=case((batch.c.status == "succeeded", now), else_=None),
        )
        .returning(WebhookDelivery.id)
    )
    return set((await session.scalars(stmt, execution_options={"synchronize_session": False})).all())


def _not_owed() -> ColumnElement[bool]:
    """Deliveries that must not go out: the bank is not vetted (suspended), or the lead's demand no longer
    shares its financing need with banks (consent withdrawn)."""
    bank_not_vetted = (
        select(literal(1))
        .select_from(LeadSubscription)
        .join(Organization, Organization.id == LeadSubscription.organization_id)
        .where(
            LeadSubscription.id == WebhookDelivery.subscription_id, Organization.vetting_status != "vetted"
        )
        .exists()
    )
    consent_withdrawn = (
        select(literal(1))
        .select_from(Lead)
        .join(Demand, Demand.id == Lead.demand_id)
        .where(Lead.id == WebhookDelivery.lead_id, Demand.share_with_banks.is_(False))
        .exists()
    )
    return or_(bank_not_vetted, consent_withdrawn)


async def cancel_not_owed(
    session: AsyncSession,
    *,
    bank_id: uuid.UUID | None = None,
    demand_id: uuid.UUID | None = None,
    delivery_ids: Sequence[str] | None = None,
) -> list[str]:
    """Cancel the pending deliveries (of one bank, one demand, or these) that are no longer owed (see
    `_not_owed`); returns their ids."""
    stmt = update(WebhookDelivery).where(WebhookDelivery.status == "pending", _not_owed())
    if bank_id is not None:
        stmt = stmt.where(
            WebhookDelivery.subscription_id.in_(
                select(LeadSubscription.id).where(LeadSubscription.organization_id == bank_id)
            )
        )
    if demand_id is not None:
        stmt = stmt.where(WebhookDelivery.lead_id.in_(select(Lead.id).where(Lead.demand_id == demand_id)))
    if delivery_ids is not None:
        stmt = stmt.where(WebhookDelivery.id.in_(list(delivery_ids)))
    result = await session.scalars(
        stmt.values(
            status="cancelled",
            locked_until=None,
            last_error="cancelled: the bank is suspended or the enterprise withdrew its consent",
        ).returning(WebhookDelivery.id),
        execution_options={"synchronize_session": False},
    )
    return list(result.all())


async def requeue_deliveries(session: AsyncSession, delivery_ids: Sequence[str], *, now: datetime) -> None:
    """Pending again from now with a fresh retry schedule, and no lease."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(list(delivery_ids)))
        .values(status="pending", attempts=0, next_attempt_at=now, locked_until=None, locked_by=None)
    )
