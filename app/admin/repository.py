"""The vetting queue: pending organizations and products under review, as one oldest-first list."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import func, literal, null, or_, select, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.organization import Organization
from app.models.product import Product


async def page_vetting_queue(
    session: AsyncSession, params: PageParams, item_type: Literal["organization", "product"] | None
) -> tuple[list[Any], str | None]:
    organizations = select(
        literal("organization").label("type"),
        Organization.id.label("id"),
        Organization.name.label("name"),
        Organization.kind.label("kind"),
        Organization.uscc.label("uscc"),
        Organization.region_code.label("region_code"),
        Organization.id.label("organization_id"),
        func.coalesce(Organization.pending_change_at, Organization.created_at).label("submitted_at"),
        Organization.pending_change.label("pending_change"),
    ).where(
        or_(
            Organization.vetting_status == "pending",
            # A vetted organization's change of name or USCC is reviewed too.
            (Organization.vetting_status == "vetted") & Organization.pending_change.isnot(None),
        )
    )
    products = select(
        literal("product").label("type"),
        Product.id,
        Product.name,
        literal(None).label("kind"),
        literal(None).label("uscc"),
        literal(None).label("region_code"),
        Product.organization_id,
        Product.submitted_at,
        null().cast(JSONB).label("pending_change"),
    ).where(Product.status == "pending_review")
    if item_type == "organization":
        queue = organizations.subquery("queue")
    elif item_type == "product":
        queue = products.subquery("queue")
    else:
        queue = union_all(organizations, products).subquery("queue")
    stmt = select(queue)
    return await keyset_page(
        session, stmt, keys=[queue.c.submitted_at, queue.c.id], params=params, direction="asc"
    )
