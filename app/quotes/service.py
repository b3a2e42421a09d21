"""Quotes: suppliers and providers answer published demands; the demand's owner accepts or declines."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Viewer
from app.demands import service as demands
from app.errors import Conflict, Forbidden, NotFound
from app.kernel import OrganizationRef
from app.kit.pagination import PageParams
from app.models.base import utcnow
from app.models.quote import Quote
from app.notifications import service as notifications
from app.organizations import service as organizations
from app.products import service as products
from app.quotes import repository
from app.quotes.schemas import QuoteCreate, QuotedProduct, QuoteOut

QUOTABLE_DEMAND_STATUSES = frozenset({"published"})


async def create_quote(
    session: AsyncSession,
    demand_id: uuid.UUID,
    data: QuoteCreate,
    *,
    viewer: Viewer,
    organization_vetted: bool,
    user_id: uuid.UUID,
) -> Quote:
    """A vetted supplier or provider quotes on a published demand."""
    demand = await demands.get_visible(session, demand_id, viewer)
    if not organization_vetted:
        raise Forbidden(
            "Only a vetted supplier or provider may quote; wait for vetting to finish.",
            zh="只有通过审核的供应商或服务商才能报价，请等待审核完成。",
        )
    if demand.status not in QUOTABLE_DEMAND_STATUSES:
        raise Conflict(
            f"A {demand.status} demand does not take quotes.", zh=f"状态为 {demand.status} 的需求不接受报价。"
        )
    assert viewer.organization_id is not None
    if data.product_id is not None:
        await products.get_own_listed(session, data.product_id, viewer.organization_id)
    quote = Quote(
        demand_id=demand.id,
        organization_id=viewer.organization_id,
        created_by_id=user_id,
        product_id=data.product_id,
        price_cny=data.price_cny,
        delivery_days=data.delivery_days,
        message=data.message,
        status="submitted",
    )
    session.add(quote)
    await session.flush()
    await notifications.notify(
        session,
        demand.organization_id,
        "quote_received",
        f"收到新报价：{demand.title}",
        f"报价{data.price_cny // 10_000:,}万元，交货期{data.delivery_days}天。",
        {"quote_id": str(quote.id), "demand_id": str(demand.id)},
    )
    return quote


async def page_for_demand(
    session: AsyncSession,
    demand_id: uuid.UUID,
    *,
    viewer: Viewer,
    sort: Literal["created", "price"],
    params: PageParams,
) -> tuple[list[Quote], str | None]:
    """The owner (and admins) see every quote side by side; a quoting organization sees only its own."""
    demand = await demands.get_visible(session, demand_id, viewer)
    only = (
        None
        if (viewer.is_admin or viewer.organization_id == demand.organization_id)
        else viewer.organization_id
    )
    return await repository.page_for_demand(
        session, demand.id, organization_id=only, sort=sort, params=params
    )


async def page_own(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[Quote], str | None]:
    return await repository.page_for_organization(session, organization_id, params)


async def get_visible(session: AsyncSession, quote_id: uuid.UUID, viewer: Viewer) -> Quote:
    """Visible to the quoting organization, the demand's owner and admins; 404 to anyone else."""
    quote = await repository.get(session, quote_id)
    if quote is None:
        raise NotFound("No such quote.", zh="没有这个报价。")
    if viewer.is_admin or viewer.organization_id == quote.organization_id:
        return quote
    demand = await demands.get_visible(session, quote.demand_id, viewer)
    if viewer.organization_id != demand.organization_id:
        raise NotFound("No such quote.", zh="没有这个报价。")
    return quote


async def decide(
    session: AsyncSession, quote_id: uuid.UUID, decision: Literal["accept", "decline"], *, viewer: Viewer
) -> Quote:
    """The demand's owner accepts (the demand becomes contracted) or declines a submitted quote."""
    quote = await get_visible(session, quote_id, viewer)
    demand = await demands.lock(session, quote.demand_id)  # demand first, then quote: one lock order
    assert demand is not None
    if viewer.organization_id != demand.organization_id:
        raise Forbidden(
            "Only the enterprise that posted the demand may accept or decline its quotes.",
            zh="只有发布该需求的企业才能采纳或婉拒其报价。",
        )
    quote = await repository.get(session, quote_id, for_update=True) or quote
    if quote.status != "submitted":
        raise Conflict(
            f"This quote is {quote.status}; only submitted quotes can be decided.",
            zh=f"该报价状态为 {quote.status}，只有已提交（submitted）的报价才能采纳或婉拒。",
        )
    now = utcnow()
    if decision == "accept":
        await demands.record_contract(session, demand, quote.price_cny)
        quote.status = "accepted"
    else:
        quote.status = "declined"
    quote.decided_at = now
    quote.version += 1
    await session.flush()
    accepted = decision == "accept"
    await notifications.notify(
        session,
        quote.organization_id,
        "quote_accepted" if accepted else "quote_declined",
        f"您的报价已被{'采纳' if accepted else '婉拒'}：{demand.title}",
        "",
        {"quote_id": str(quote.id), "demand_id": str(demand.id)},
    )
    return quote


async def withdraw(session: AsyncSession, quote_id: uuid.UUID, *, viewer: Viewer) -> Quote:
    quote = await get_visible(session, quote_id, viewer)
    if viewer.organization_id != quote.organization_id:
        raise Forbidden(
            "Only the organization that made this quote may withdraw it.",
            zh="只有提交该报价的机构才能撤回它。",
        )
    quote = await repository.get(session, quote_id, for_update=True) or quote
    if quote.status != "submitted":
        raise Conflict(
            f"This quote is {quote.status}; only submitted quotes can be withdrawn.",
            zh=f"该报价状态为 {quote.status}，只有已提交（submitted）的报价才能撤回。",
        )
    quote.status = "withdrawn"
    quote.decided_at = utcnow()
    quote.version += 1
    await session.flush()
    return quote


async def to_out_many(session: AsyncSession, quotes: list[Quote]) -> list[QuoteOut]:
    names = await organizations.names(session, {q.organization_id for q in quotes})
    refs = await products.refs(session, {q.product_id for q in quotes if q.product_id})
    out = []
    for q in quotes:
        product = None
        if q.product_id is not None and q.product_id in refs:
            name, model = refs[q.product_id]
            product = QuotedProduct(id=q.product_id, name=name, model=model)
        out.append(
            QuoteOut(
                id=q.id,
                demand_id=q.demand_id,
                supplier=OrganizationRef(id=q.organization_id, name=names.get(q.organization_id, "")),
                product=product,
                price_cny=q.price_cny,
                delivery_days=q.delivery_days,
                message=q.message,
                status=q.status,
                decided_at=q.decided_at,
                created_at=q.created_at,
                updated_at=q.updated_at,
            )
        )
    return out


async def to_out(session: AsyncSession, quote: Quote) -> QuoteOut:
    return (await to_out_many(session, [quote]))[0]
