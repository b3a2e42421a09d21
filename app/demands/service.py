"""Demands: drafting, publishing, closing, and what each viewer may see of them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Viewer
from app.catalog.service import category_subtree, require_code, require_codes
from app.demands import repository
from app.demands.repository import DemandFilters
from app.demands.schemas import DemandCreate, DemandUpdate
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.kernel import today_in_sichuan
from app.kit.etag import check_if_match
from app.kit.pagination import PageParams
from app.matching import priority
from app.models.base import utcnow
from app.models.catalog import EquipmentCategory, Industry, Region
from app.models.demand import Demand
from app.organizations import service as organizations

ETAG_KIND = "demand"
EDITABLE_STATUSES = frozenset({"draft", "published"})
# action -> (statuses it may be taken from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "publish": (frozenset({"draft"}), "published"),
    "close": (frozenset({"draft", "published", "contracted"}), "closed"),
    "complete": (frozenset({"contracted"}), "completed"),
}
ACTION_NAMES_ZH = {"publish": "发布", "close": "关闭", "complete": "完成"}
_REQUIRED = (
    "title",
    "task_type",
    "industry_code",
    "region_code",
    "category_codes",
    "budget_min_cny",
    "budget_max_cny",
    "needs",
    "share_with_banks",
    "description",
)


async def _check_codes(session: AsyncSession, fields: dict[str, Any]) -> None:
    if "industry_code" in fields:
        await require_code(session, Industry, fields["industry_code"], loc=["body", "industry_code"])
    if "region_code" in fields:
        await require_code(session, Region, fields["region_code"], loc=["body", "region_code"])
    if "category_codes" in fields:
        await require_codes(
            session, EquipmentCategory, fields["category_codes"], loc=["body", "category_codes"]
        )


def check_fields(fields: dict[str, Any]) -> None:
    """The checks that need no catalog: categories do not repeat, the start is not in the past."""
    codes = fields.get("category_codes")
    if codes is not None and len(set(codes)) != len(codes):
        raise InvalidInput(["body", "category_codes"], "categories must not repeat", zh="设备类别不能重复")
    start = fields.get("expected_start")
    if start is not None and start < today_in_sichuan():
        raise InvalidInput(["body", "expected_start"], "must not be in the past", zh="不能早于今天")


def _check_coherence(demand: Demand) -> None:
    """Rules across fields, checked on the demand as it would be after the change."""
    if demand.budget_min_cny > demand.budget_max_cny:
        raise InvalidInput(
            ["body", "budget_max_cny"], "must be at least budget_min_cny", zh="不能小于 budget_min_cny"
        )
    if not (
        demand.needs_equipment
        or demand.needs_design
        or demand.needs_engineering
        or demand.financing_amount_cny is not None
    ):
        raise InvalidInput(
            ["body", "needs"],
            "say what is needed: equipment, design, engineering or financing",
            zh="请说明需要什么：设备、设计、工程或融资",
        )
    if demand.financing_amount_cny is not None and demand.financing_amount_cny > demand.budget_max_cny:
        raise InvalidInput(
            ["body", "needs", "financing", "amount_cny"],
            "cannot exceed budget_max_cny",
            zh="不能超过 budget_max_cny",
        )


def _apply(demand: Demand, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name == "old_equipment":
            old = value or {}
            demand.old_equipment_age_years = old.get("age_years")
            demand.old_equipment_energy_grade = old.get("energy_grade")
            demand.old_equipment_below_baseline = bool(old.get("below_energy_baseline", False))
        elif name == "needs":
            financing = value.get("financing") or {}
            demand.needs_equipment = value.get("equipment", False)
            demand.needs_design = value.get("design", False)
            demand.needs_engineering = value.get("engineering", False)
            demand.financing_amount_cny = financing.get("amount_cny")
            demand.financing_term_months = financing.get("term_months")
        else:
            setattr(demand, name, value)


async def create_demand(
    session: AsyncSession, data: DemandCreate, *, organization_id: uuid.UUID, user_id: uuid.UUID
) -> Demand:
    """A new draft demand, every code checked against the catalog."""
    await _check_codes(session, data.model_dump())  # new_draft makes the checks that need no catalog
    demand = new_draft(data, organization_id=organization_id, user_id=user_id)
    session.add(demand)
    await session.flush()
    return demand


def new_draft(data: DemandCreate, *, organization_id: uuid.UUID, user_id: uuid.UUID | None) -> Demand:
    """A draft demand, not yet added to a session; its catalog codes are the caller's to have checked."""
    fields = data.model_dump()
    check_fields(fields)
    demand = Demand(organization_id=organization_id, created_by_id=user_id, status="draft")
    _apply(demand, fields)
    _check_coherence(demand)
    return demand


async def _visible(session: AsyncSession, demand_id: uuid.UUID, viewer: Viewer) -> tuple[Demand, str]:
    """The demand and its organization's name, if the viewer may see it. Drafts exist only for their owner
    and admins, and so does everything of an enterprise that is not (or no longer) vetted: 404 otherwise."""
    row = await repository.get_with_owner(session, demand_id)
    if row is None:
        raise NotFound("No such demand.", zh="没有这个需求。")
    demand, organization_name, owner_status = row
    mine = viewer.is_admin or viewer.organization_id == demand.organization_id
    if not mine and (demand.status == "draft" or owner_status != "vetted"):
        raise NotFound("No such demand.", zh="没有这个需求。")
    return demand, organization_name


async def get_visible(session: AsyncSession, demand_id: uuid.UUID, viewer: Viewer) -> Demand:
    return (await _visible(session, demand_id, viewer))[0]


async def get_view(
    session: AsyncSession, demand_id: uuid.UUID, viewer: Viewer
) -> tuple[Row[Any], dict[str, Any]]:
    """The demand (as a column row) and what this viewer may see of it; the same visibility as _visible."""
    row = await repository.detail_row(session, demand_id)
    if row is None:
        raise NotFound("No such demand.", zh="没有这个需求。")
    mine = viewer.is_admin or viewer.organization_id == row.organization_id
    if not mine and (row.status == "draft" or row.owner_status != "vetted"):
        raise NotFound("No such demand.", zh="没有这个需求。")
    return row, view(row, viewer, row.organization_name)


async def _get_owned_for_update(
    session: AsyncSession, demand_id: uuid.UUID, viewer: Viewer, *, admin_may: bool = False
) -> Demand:
    demand = await get_visible(session, demand_id, viewer)
    if viewer.organization_id != demand.organization_id and not (admin_may and viewer.is_admin):
        raise Forbidden(
            "Only the enterprise that posted this demand may change it.",
            zh="只有发布该需求的企业才能修改它。",
        )
    locked = await repository.get(session, demand_id, for_update=True)
    assert locked is not None
    return locked


async def update_demand(
    session: AsyncSession, demand_id: uuid.UUID, data: DemandUpdate, *, viewer: Viewer, if_match: str | None
) -> Demand:
    """Edit a draft or published demand; all-or-nothing."""
    demand = await _get_owned_for_update(session, demand_id, viewer)
    if demand.status != "draft":
        viewer.require("manager", action="Editing a published demand", action_zh="修改已发布的需求")
    check_if_match(if_match, ETAG_KIND, demand.version)
    if demand.status not in EDITABLE_STATUSES:
        raise Conflict(
            f"A {demand.status} demand can no longer be edited.",
            zh=f"状态为 {demand.status} 的需求已不能再编辑。",
        )
    fields = data.model_dump(exclude_unset=True)
    for name in _REQUIRED:
        if name in fields and fields[name] is None:
            raise InvalidInput(["body", name], "may not be null", zh="不能为 null")
    await _check_codes(session, fields)
    check_fields(fields)
    _apply(demand, fields)
    _check_coherence(demand)
    if fields:
        demand.version += 1
        demand.updated_at = utcnow()
    await session.flush()
    return demand


async def transition(
    session: AsyncSession, demand_id: uuid.UUID, action: str, *, viewer: Viewer, organization_vetted: bool
) -> Demand:
    """publish | close | complete, each allowed only from certain statuses (409 otherwise)."""
    demand = await _get_owned_for_update(session, demand_id, viewer, admin_may=action == "close")
    allowed_from, to_status = TRANSITIONS[action]
    if demand.status not in allowed_from:
        raise Conflict(
            f"Cannot {action} a {demand.status} demand; allowed from: {', '.join(sorted(allowed_from))}.",
            zh=f"不能{ACTION_NAMES_ZH[action]}状态为 {demand.status} 的需求；只能从以下状态操作："
            f"{', '.join(sorted(allowed_from))}。",
        )
    now = utcnow()
    if action == "publish":
        if not organization_vetted:
            raise Forbidden(
                "Only a vetted enterprise may publish demands; wait for vetting to finish.",
                zh="只有通过审核的企业才能发布需求，请等待审核完成。",
            )
        if demand.expected_start is not None and demand.expected_start < today_in_sichuan():
            raise InvalidInput(
                ["body", "expected_start"],
                "is in the past; edit the demand before publishing",
                zh="已是过去的日期，请先修改需求再发布",
            )
        demand.published_at = now
    elif action == "close":
        demand.closed_at = now
    elif action == "complete":
        demand.completed_at = now
    demand.status = to_status
    demand.version += 1
    demand.updated_at = now
    await session.flush()
    return demand


async def record_contract(session: AsyncSession, demand: Demand, amount_cny: int) -> None:
    """An accepted quote: the demand becomes contracted, with the quote's price as its contracted amount."""
    if demand.status != "published":
        raise Conflict(
            f"A {demand.status} demand cannot accept a quote; only a published one can.",
            zh=f"状态为 {demand.status} 的需求不能采纳报价，只有已发布（published）的需求可以。",
        )
    now = utcnow()
    demand.contracted_amount_cny = amount_cny
    demand.status = "contracted"
    demand.contracted_at = now
    demand.version += 1
    demand.updated_at = now
    await session.flush()


async def lock(session: AsyncSession, demand_id: uuid.UUID) -> Demand | None:
    return await repository.get(session, demand_id, for_update=True)


async def page_published(
    session: AsyncSession,
    *,
    task_type: str | None,
    industry_code: str | None,
    region_code: str | None,
    category_code: str | None,
    params: PageParams,
    viewer: Viewer,
) -> tuple[list[dict[str, Any]], str | None]:
    """Published demands as views, newest first."""
    subtree = (
        await category_subtree(session, category_code, loc=["query", "category_code"])
        if category_code
        else None
    )
    filters = DemandFilters(
        task_type=task_type, industry_code=industry_code, region_code=region_code, category_codes=subtree
    )
    rows, cursor = await repository.page_published(session, filters, params)
    return [view(row, viewer, row.organization_name) for row in rows], cursor


async def page_owned(
    session: AsyncSession, organization_id: uuid.UUID, status: str | None, params: PageParams
) -> tuple[list[Demand], str | None]:
    return await repository.page_owned(session, organization_id, status, params)


async def views(session: AsyncSession, demands: list[Demand], viewer: Viewer) -> list[dict[str, Any]]:
    """What this viewer may see of each demand (shape: DemandOut)."""
    names = await organizations.names(session, {d.organization_id for d in demands})
    return [view(d, viewer, names.get(d.organization_id, "")) for d in demands]


async def view_one(session: AsyncSession, demand: Demand, viewer: Viewer) -> dict[str, Any]:
    return (await views(session, [demand], viewer))[0]


def view(demand: Demand | Row[Any], viewer: Viewer, organization_name: str) -> dict[str, Any]:
    """A demand (entity or column row) as DemandOut, built as a plain dict: the hottest read path."""
    private = viewer.is_admin or viewer.organization_id == demand.organization_id
    old = None
    if demand.old_equipment_age_years is not None:
        old = {
            "age_years": demand.old_equipment_age_years,
            "energy_grade": demand.old_equipment_energy_grade,
            "below_energy_baseline": demand.old_equipment_below_baseline,
        }
    financing = None
    if private and demand.financing_amount_cny is not None:
        financing = {"amount_cny": demand.financing_amount_cny, "term_months": demand.financing_term_months}
    return {
        "id": demand.id,
        "title": demand.title,
        "description": demand.description,
        "task_type": demand.task_type,
        "industry_code": demand.industry_code,
        "region_code": demand.region_code,
        "category_codes": demand.category_codes,
        "quantity": demand.quantity,
        "budget_min_cny": demand.budget_min_cny,
        "budget_max_cny": demand.budget_max_cny,
        "expected_start": demand.expected_start,
        "old_equipment": old,
        "required_energy_grade": demand.required_energy_grade,
        "needs": {
            "equipment": demand.needs_equipment,
            "design": demand.needs_design,
            "engineering": demand.needs_engineering,
            "financing": financing,
        },
        "priority": priority.view(demand),
        "status": demand.status,
        "organization": {"id": demand.organization_id, "name": organization_name},
        "published_at": demand.published_at,
        "share_with_banks": demand.share_with_banks if private else None,
        "contracted_amount_cny": demand.contracted_amount_cny if private else None,
        "plan_item_id": getattr(demand, "plan_item_id", None),
        "created_at": demand.created_at,
        "updated_at": demand.updated_at,
    }
