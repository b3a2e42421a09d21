"""The queries behind imports (who is who, what exists) and exports (whole lists, oldest first)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.catalog import EquipmentCategory, Industry, Region, TaskType
from app.models.demand import Demand
from app.models.organization import Organization
from app.models.product import Product
from app.spreadsheets.columns import PROVIDER_TYPE_NAMES, CodeList
from app.spreadsheets.importer import Organization as OrganizationRef


async def catalog_entries(session: AsyncSession) -> dict[CodeList, list[tuple[str, str]]]:
    entries: dict[CodeList, list[tuple[str, str]]] = {}
    cities = dict(
        (await session.execute(select(Region.code, Region.name).where(Region.level == "city"))).all()
    )
    counties = await session.execute(
        select(Region.code, Region.name, Region.parent_code)
        .where(Region.level == "county")
        .order_by(Region.code)
    )
    # A 区县 by its full name (成都市武侯区): 市中区 is both 内江's and 乐山's.
    entries["region"] = sorted(
        [*cities.items(), *((code, cities.get(parent or "", "") + name) for code, name, parent in counties)]
    )
    for name, model in (
        ("industry", Industry),
        ("category", EquipmentCategory),
        ("task_type", TaskType),
    ):
        rows = await session.execute(select(model.code, model.name).order_by(model.code))
        entries[name] = [(r[0], r[1]) for r in rows]  # type: ignore[index]
    entries["provider_type"] = list(PROVIDER_TYPE_NAMES.items())
    return entries


async def organizations_by_uscc(session: AsyncSession, usccs: Iterable[str]) -> dict[str, OrganizationRef]:
    wanted = sorted({u.upper() for u in usccs})
    if not wanted:
        return {}
    rows = await session.execute(
        select(Organization.uscc, Organization.id, Organization.kind, Organization.vetting_status).where(
            Organization.uscc.in_(wanted)
        )
    )
    return {r.uscc: OrganizationRef(r.id, r.kind, r.vetting_status) for r in rows if r.uscc}


async def existing_keys(
    session: AsyncSession, list_name: str, organization_ids: Iterable[uuid.UUID]
) -> set[tuple[uuid.UUID, str]]:
    """(organization, title) of its demands, or (organization, model) of its products."""
    ids = list(set(organization_ids))
    if not ids:
        return set()
    if list_name == "demands":
        stmt = select(Demand.organization_id, Demand.title).where(Demand.organization_id.in_(ids))
    else:
        stmt = select(Product.organization_id, Product.model).where(Product.organization_id.in_(ids))
    return {(r[0], r[1]) for r in await session.execute(stmt)}


async def demands_for_export(session: AsyncSession) -> Sequence[Any]:
    """Every demand's columns and its enterprise's name and USCC, oldest first, as plain rows."""
    stmt = (
        select(*Demand.__table__.columns, Organization.name.label("organization_name"), Organization.uscc)
        .join(Organization, Organization.id == Demand.organization_id)
        .order_by(Demand.created_at, Demand.id)
    )
    return (await session.execute(stmt)).all()


async def products_for_export(session: AsyncSession) -> Sequence[Any]:
    """Every product's columns and its supplier's name, vetting status and USCC, oldest first."""
    stmt = (
        select(
            *Product.__table__.columns,
            Organization.name.label("organization_name"),
            Organization.vetting_status,
            Organization.uscc,
        )
        .join(Organization, Organization.id == Product.organization_id)
        .order_by(Product.created_at, Product.id)
    )
    return (await session.execute(stmt)).all()


async def providers_for_export(session: AsyncSession) -> Sequence[Any]:
    stmt = (
        select(*Organization.__table__.columns)
        .where(Organization.kind == "provider")
        .order_by(Organization.created_at, Organization.id)
    )
    return (await session.execute(stmt)).all()
