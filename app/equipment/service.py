"""An enterprise's 设备台账: recorded by its members or a 服务专员 of its region, read by them and admins."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Viewer
from app.catalog.service import require_code
from app.equipment import importing, repository, rules
from app.equipment.schemas import (
    EquipmentFlag,
    EquipmentIn,
    EquipmentList,
    EquipmentOut,
    EquipmentSummary,
    EquipmentUpdate,
)
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import DEFAULT_LANGUAGE, Language
from app.indexing import service as indexing
from app.kernel import today_in_sichuan
from app.kit.pagination import PageParams
from app.models.catalog import EquipmentCategory
from app.models.equipment import EquipmentItem
from app.models.organization import Organization
from app.organizations import service as organizations
from app.spreadsheets import service as spreadsheets
from app.spreadsheets.schemas import ImportReport

log = logging.getLogger(__name__)
NO_ITEM, NO_ITEM_ZH = "No such equipment item.", "没有这台设备。"


async def inventory_of(session: AsyncSession, organization_id: uuid.UUID, viewer: Viewer) -> Organization:
    """The enterprise whose inventory the viewer may read and write: its members, the operators of its
    region and admins (404 for everyone else, who do not learn it has one)."""
    organization = await organizations.get_visible(session, organization_id, viewer)
    if not (viewer.is_member_of(organization) or viewer.oversees(organization.region_code)):
        raise NotFound("No such organization.", zh="没有这个机构。")
    if organization.kind != "enterprise":
        raise Conflict(
            "Only enterprises keep an equipment inventory (设备台账).", zh="只有企业才有设备台账。"
        )
    return organization


async def _item_for(session: AsyncSession, item_id: uuid.UUID, viewer: Viewer) -> EquipmentItem:
    item = await repository.get(session, item_id, for_update=True)
    if item is None:
        raise NotFound(NO_ITEM, zh=NO_ITEM_ZH)
    try:
        await inventory_of(session, item.organization_id, viewer)
    except NotFound:
        raise NotFound(NO_ITEM, zh=NO_ITEM_ZH) from None
    return item


def _check_entry(catalogue: str | None, entry: str | None) -> None:
    if entry and catalogue is None:
        raise InvalidInput(
            ["body", "elimination_catalogue"],
            "an elimination entry needs the catalogue it is in",
            zh="填写淘汰目录条目时须同时注明所属的淘汰目录",
        )


async def create(
    session: AsyncSession,
    organization_id: uuid.UUID,
    data: EquipmentIn,
    *,
    viewer: Viewer,
    user_id: uuid.UUID,
) -> EquipmentItem:
    await inventory_of(session, organization_id, viewer)
    await require_code(session, EquipmentCategory, data.category_code, loc=["body", "category_code"])
    _check_entry(data.elimination_catalogue, data.elimination_entry)
    item = EquipmentItem(
        organization_id=organization_id, recorded_by_id=user_id, version=1, **data.model_dump(mode="python")
    )
    session.add(item)
    await session.flush()
    return item


async def create_many(
    session: AsyncSession, organization_id: uuid.UUID, rows: list[EquipmentIn], *, user_id: uuid.UUID
) -> None:
    """An import's rows, already checked (app/equipment/importing.py)."""
    session.add_all(
        EquipmentItem(
            organization_id=organization_id,
            recorded_by_id=user_id,
            version=1,
            **row.model_dump(mode="python"),
        )
        for row in rows
    )
    await session.flush()


async def update(
    session: AsyncSession, item_id: uuid.UUID, data: EquipmentUpdate, *, viewer: Viewer
) -> EquipmentItem:
    item = await _item_for(session, item_id, viewer)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for field in (
        "category_code",
        "model",
        "maker",
        "in_service_year",
        "count",
        "below_energy_baseline",
        "note",
    ):
        if field in changes and changes[field] is None:
            raise InvalidInput(["body", field], "may not be null", zh="不能为 null")
    if "category_code" in changes:
        await require_code(
            session, EquipmentCategory, changes["category_code"], loc=["body", "category_code"]
        )
    year = changes.get("in_service_year")
    if year is not None and year > today_in_sichuan().year:
        raise InvalidInput(
            ["body", "in_service_year"],
            f"in_service_year {year} is in the future",
            zh=f"投运年份 {year} 晚于今年",
        )
    _check_entry(
        changes.get("elimination_catalogue", item.elimination_catalogue),
        changes.get("elimination_entry", item.elimination_entry),
    )
    for field, value in changes.items():
        setattr(item, field, value)
    item.version += 1
    await session.flush()
    return item


async def delete(session: AsyncSession, item_id: uuid.UUID, *, viewer: Viewer) -> None:
    item = await _item_for(session, item_id, viewer)
    await session.delete(item)
    await session.flush()


async def to_out(session: AsyncSession, item: EquipmentItem) -> EquipmentOut:
    catalog = await indexing.catalog_snapshot(session)
    year = today_in_sichuan().year
    category = catalog.categories.get(item.category_code)
    return EquipmentOut(
        id=item.id,
        organization_id=item.organization_id,
        category_code=item.category_code,
        category_name=category.name if category else item.category_code,
        model=item.model,
        maker=item.maker,
        in_service_year=item.in_service_year,
        age_years=year - item.in_service_year,
        count=item.count,
        energy_grade=item.energy_grade,
        original_value_cny=item.original_value_cny,
        below_energy_baseline=item.below_energy_baseline,
        elimination_catalogue=item.elimination_catalogue,
        elimination_entry=item.elimination_entry,
        note=item.note,
        flags=[EquipmentFlag(**f) for f in rules.flags(item, this_year=year)],
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


async def page(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams, *, viewer: Viewer
) -> EquipmentList:
    await inventory_of(session, organization_id, viewer)
    items, cursor = await repository.page(session, organization_id, params)
    year = today_in_sichuan().year
    facts = await repository.rule_facts(session, organization_id)
    summary = EquipmentSummary(
        items=len(facts),
        units=sum(f.count for f in facts),
        flagged_items=sum(1 for f in facts if rules.flags(f, this_year=year)),
        original_value_cny=sum(f.original_value_cny or 0 for f in facts),
    )
    return EquipmentList(items=[await to_out(session, i) for i in items], next_cursor=cursor, summary=summary)


async def import_workbook(
    session: AsyncSession,
    organization_id: uuid.UUID,
    content: bytes,
    *,
    file_name: str,
    dry_run: bool,
    viewer: Viewer,
    user_id: uuid.UUID,
    language: Language = DEFAULT_LANGUAGE,
) -> ImportReport:
    """Every row checked; all stored or none. A dry run reports even with problems; a real import with
    any problem raises the report as a 422 (`ImportRejected`)."""
    await inventory_of(session, organization_id, viewer)
    started = time.perf_counter()
    catalog = await indexing.catalog_snapshot(session)
    categories = [(c.code, c.name) for c in catalog.categories.values()]
    aliases = [(c.code, alias) for c in catalog.categories.values() for alias in c.aliases]
    existing = {importing.existing_key(*row) for row in await repository.keys(session, organization_id)}
    sheet, accepted, problems = await importing.check_workbook(content, categories, aliases, existing)
    report = spreadsheets.report_of(
        "equipment", sheet, len(accepted), problems, dry_run=dry_run, language=language
    )
    if dry_run and problems:
        return report
    spreadsheets.refuse_if_unimportable(report, problems, sheet)
    if dry_run:
        return report
    await create_many(session, organization_id, accepted, user_id=user_id)
    log.info(
        "equipment.imported",
        extra={
            "organization_id": str(organization_id),
            "file_name": file_name[:200],
            "rows": len(accepted),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return report.model_copy(update={"imported": len(accepted)})
