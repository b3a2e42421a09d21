"""Diagnoses: opened by a 服务专员 for an enterprise of its region, moved forward only in order
(planned → visited → plan_drafted → delivered; closed from any stage), each step stamped with who and when.
Everything here is 404 outside the operator's region; the enterprise reads its own and decides its items."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import scope
from app.auth.principal import Viewer
from app.catalog.service import require_code
from app.demands import service as demands
from app.demands.schemas import DemandCreate, Needs
from app.diagnoses import repository, reviews
from app.diagnoses.schemas import (
    DeclineIn,
    DiagnosisIn,
    DiagnosisList,
    DiagnosisOut,
    DiagnosisSummary,
    DiagnosisUpdate,
    EnterpriseRef,
    FindingIn,
    PlanItemIn,
    PlanItemOut,
    Stamp,
    UserRef,
    VisitIn,
    VisitOut,
)
from app.errors import Conflict, InvalidInput, NotFound
from app.indexing import service as indexing
from app.kernel import TaskType
from app.kit.integrity import flush_or_conflict
from app.kit.pagination import PageParams
from app.models.base import utcnow
from app.models.catalog import EquipmentCategory
from app.models.diagnosis import Diagnosis, DiagnosisVisit, PlanItem
from app.notifications import service as notifications
from app.organizations import repository as organizations

NO_DIAGNOSIS, NO_DIAGNOSIS_ZH = "No such diagnosis.", "没有这个诊断。"
NO_ITEM, NO_ITEM_ZH = "No such plan item.", "没有这个方案条目。"
STAGE_ZH = {
    "planned": "已计划",
    "visited": "已走访",
    "plan_drafted": "方案起草中",
    "delivered": "方案已交付",
    "closed": "已关闭",
}
UNDER_WAY = "This enterprise already has a diagnosis under way; close it before opening another."
UNDER_WAY_ZH = "该企业已有进行中的诊断，请先关闭后再新建。"


def _stage_conflict(diagnosis: Diagnosis, doing: str, doing_zh: str) -> Conflict:
    return Conflict(
        f"Cannot {doing} while the diagnosis is {diagnosis.status}.",
        zh=f"诊断处于“{STAGE_ZH[diagnosis.status]}”阶段，不能{doing_zh}。",
        stage=diagnosis.status,
    )


async def for_operator(session: AsyncSession, diagnosis_id: uuid.UUID, viewer: Viewer) -> Diagnosis:
    diagnosis = await repository.get(session, diagnosis_id, for_update=True)
    if diagnosis is None or not viewer.oversees(diagnosis.region_code):
        raise NotFound(NO_DIAGNOSIS, zh=NO_DIAGNOSIS_ZH)
    return diagnosis


async def _readable(
    session: AsyncSession, diagnosis_id: uuid.UUID, viewer: Viewer, user_id: uuid.UUID | None
) -> Diagnosis:
    """The operators of its region, the enterprise, and an expert asked to review it."""
    diagnosis = await repository.get(session, diagnosis_id)
    if diagnosis is None:
        raise NotFound(NO_DIAGNOSIS, zh=NO_DIAGNOSIS_ZH)
    if viewer.oversees(diagnosis.region_code) or viewer.organization_id == diagnosis.organization_id:
        return diagnosis
    if user_id is not None and await reviews.reviewed_by(session, diagnosis.id, user_id):
        return diagnosis
    raise NotFound(NO_DIAGNOSIS, zh=NO_DIAGNOSIS_ZH)


async def open_diagnosis(
    session: AsyncSession, data: DiagnosisIn, *, viewer: Viewer, user_id: uuid.UUID
) -> Diagnosis:
    enterprise = await organizations.get(session, data.organization_id)
    if enterprise is None or not viewer.oversees(enterprise.region_code):
        raise NotFound("No such enterprise in your region.", zh="您的辖区内没有这家企业。")
    if enterprise.kind != "enterprise" or enterprise.region_code is None:
        raise InvalidInput(
            ["body", "organization_id"], "diagnoses are of enterprises", zh="只能为企业开展诊断"
        )
    diagnosis = Diagnosis(
        organization_id=enterprise.id,
        region_code=enterprise.region_code,
        status="planned",
        planned_at=data.planned_at,
        summary=data.summary,
        opened_by_id=user_id,
        version=1,
    )
    session.add(diagnosis)
    await flush_or_conflict(
        session, {"uq_diagnoses_open": (["body", "organization_id"], UNDER_WAY, UNDER_WAY_ZH)}
    )
    await notifications.notify(
        session,
        enterprise.id,
        "diagnosis_planned",
        "设备更新诊断已安排",
        f"服务专员计划于{data.planned_at:%Y-%m-%d}上门开展设备更新和技术改造诊断（全川行）。",
        {"diagnosis_id": str(diagnosis.id), "planned_at": data.planned_at.isoformat()},
    )
    return diagnosis


async def update(
    session: AsyncSession,
    diagnosis_id: uuid.UUID,
    data: DiagnosisUpdate,
    *,
    viewer: Viewer,
    user_id: uuid.UUID,
) -> Diagnosis:
    diagnosis = await for_operator(session, diagnosis_id, viewer)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("status") not in (None, "closed"):
        raise InvalidInput(
            ["body", "status"],
            "only closed may be set here; the other stages follow visits, plan items and delivery",
            zh="此处只能设为 closed；其他阶段随走访、方案条目和交付推进",
        )
    if diagnosis.status == "closed":
        raise _stage_conflict(diagnosis, "change it", "修改")
    if changes.get("planned_at") is not None:
        if diagnosis.status != "planned":
            raise _stage_conflict(diagnosis, "move the planned visit", "改期")
        diagnosis.planned_at = changes["planned_at"]
    if changes.get("summary") is not None:
        diagnosis.summary = changes["summary"]
    if changes.get("status") == "closed":
        diagnosis.status, diagnosis.closed_at, diagnosis.closed_by_id = "closed", utcnow(), user_id
    diagnosis.version += 1
    await session.flush()
    return diagnosis


async def record_visit(
    session: AsyncSession, diagnosis_id: uuid.UUID, data: VisitIn, *, viewer: Viewer, user_id: uuid.UUID
) -> Diagnosis:
    diagnosis = await for_operator(session, diagnosis_id, viewer)
    if diagnosis.status in ("delivered", "closed"):
        raise _stage_conflict(diagnosis, "record a visit", "记录走访")
    session.add(
        DiagnosisVisit(
            diagnosis_id=diagnosis.id,
            visited_at=data.visited_at,
            findings=[f.model_dump(mode="json") for f in data.findings],
            recorded_by_id=user_id,
        )
    )
    if diagnosis.status == "planned":
        diagnosis.status, diagnosis.visited_at = "visited", data.visited_at
    diagnosis.version += 1
    await session.flush()
    return diagnosis


async def add_plan_item(
    session: AsyncSession, diagnosis_id: uuid.UUID, data: PlanItemIn, *, viewer: Viewer, user_id: uuid.UUID
) -> PlanItem:
    diagnosis = await for_operator(session, diagnosis_id, viewer)
    if diagnosis.status not in ("visited", "plan_drafted"):
        if diagnosis.status == "planned":
            raise Conflict(
                "Record a visit first: a plan follows the diagnosis.",
                zh="请先记录走访：技改方案应在诊断之后制定。",
                stage=diagnosis.status,
            )
        raise _stage_conflict(diagnosis, "add to the plan", "增加方案条目")
    await require_code(session, EquipmentCategory, data.category_code, loc=["body", "category_code"])
    item = PlanItem(diagnosis_id=diagnosis.id, created_by_id=user_id, status="proposed", **data.model_dump())
    session.add(item)
    if diagnosis.status == "visited":
        diagnosis.status, diagnosis.plan_drafted_at = "plan_drafted", utcnow()
    diagnosis.version += 1
    await session.flush()
    return item


async def deliver(
    session: AsyncSession, diagnosis_id: uuid.UUID, *, viewer: Viewer, user_id: uuid.UUID
) -> Diagnosis:
    diagnosis = await for_operator(session, diagnosis_id, viewer)
    if diagnosis.status != "plan_drafted":
        raise _stage_conflict(diagnosis, "deliver the plan", "交付方案")
    items = await repository.plan_items(session, [diagnosis.id])
    await reviews.check_deliverable(session, diagnosis, items)
    diagnosis.status, diagnosis.delivered_at, diagnosis.delivered_by_id = "delivered", utcnow(), user_id
    diagnosis.version += 1
    await session.flush()
    await notifications.notify(
        session,
        diagnosis.organization_id,
        "plan_delivered",
        "一对一技改方案已交付",
        f"服务专员交付了含{len(items)}项建议的技改方案，请逐项确认：接受的条目将生成需求草稿。",
        {"diagnosis_id": str(diagnosis.id), "plan_items": len(items)},
    )
    return diagnosis


async def _item_for_enterprise(
    session: AsyncSession, item_id: uuid.UUID, viewer: Viewer
) -> tuple[PlanItem, Diagnosis]:
    item = await repository.get_item(session, item_id, for_update=True)
    if item is None:
        raise NotFound(NO_ITEM, zh=NO_ITEM_ZH)
    diagnosis = await repository.get(session, item.diagnosis_id, for_update=True)
    assert diagnosis is not None
    if viewer.organization_id != diagnosis.organization_id or diagnosis.status in (
        "planned",
        "visited",
        "plan_drafted",
    ):
        raise NotFound(NO_ITEM, zh=NO_ITEM_ZH)  # the enterprise sees a plan once it is delivered
    viewer.require("manager", action="Deciding on the plan", action_zh="确认技改方案")
    if diagnosis.status != "delivered" or item.status != "proposed":
        raise Conflict(
            f"This item is already {item.status}."
            if item.status != "proposed"
            else "The diagnosis is closed.",
            zh="该条目已确认过。" if item.status != "proposed" else "该诊断已关闭。",
            item_status=item.status,
        )
    return item, diagnosis


async def accept_item(
    session: AsyncSession, item_id: uuid.UUID, *, viewer: Viewer, user_id: uuid.UUID
) -> PlanItem:
    """The enterprise accepts a recommendation: a draft demand for it, linked back by `plan_item_id`."""
    item, diagnosis = await _item_for_enterprise(session, item_id, viewer)
    enterprise = await organizations.get(session, diagnosis.organization_id)
    assert enterprise is not None
    if enterprise.industry_code is None or enterprise.region_code is None:
        raise Conflict(
            "Set the organization's industry_code and region_code first (PATCH /organizations/{id}).",
            zh="请先补充本机构的行业和地区（PATCH /organizations/{id}）。",
        )
    catalog = await indexing.catalog_snapshot(session)
    category = catalog.categories.get(item.category_code)
    name = category.name if category else item.category_code
    demand = await demands.create_demand(
        session,
        DemandCreate(
            title=f"{name}更新（一对一技改方案）"[:200],
            description=item.expected_benefit,
            task_type=TaskType(item.task_type),
            industry_code=enterprise.industry_code,
            region_code=enterprise.region_code,
            category_codes=[item.category_code],
            quantity=item.quantity,
            budget_min_cny=item.budget_min_cny,
            budget_max_cny=item.budget_max_cny,
            needs=Needs(equipment=True),
        ),
        organization_id=enterprise.id,
        user_id=user_id,
    )
    demand.plan_item_id = item.id
    item.status, item.decided_at, item.decided_by_id = "accepted", utcnow(), user_id
    await session.flush()
    return item


async def decline_item(
    session: AsyncSession, item_id: uuid.UUID, data: DeclineIn, *, viewer: Viewer, user_id: uuid.UUID
) -> PlanItem:
    item, _diagnosis = await _item_for_enterprise(session, item_id, viewer)
    item.status, item.decided_at, item.decided_by_id = "declined", utcnow(), user_id
    item.decline_reason = data.reason.strip()
    await session.flush()
    return item


# --- reading ------------------------------------------------------------------------------------------


async def get(
    session: AsyncSession, diagnosis_id: uuid.UUID, *, viewer: Viewer, user_id: uuid.UUID | None = None
) -> DiagnosisOut:
    diagnosis = await _readable(session, diagnosis_id, viewer, user_id)
    return (await outs(session, [diagnosis], viewer, reviewer=user_id))[0]


async def outs(
    session: AsyncSession, diagnoses: list[Diagnosis], viewer: Viewer, *, reviewer: uuid.UUID | None = None
) -> list[DiagnosisOut]:
    ids = [d.id for d in diagnoses]
    review_rows = await reviews.reviews_of(session, ids)
    visits = await repository.visits(session, ids)
    items = await repository.plan_items(session, ids)
    demand_of = await repository.demands_of_items(session, [i.id for i in items])
    users = {
        u
        for u in [
            *(d.opened_by_id for d in diagnoses),
            *(d.delivered_by_id for d in diagnoses),
            *(d.closed_by_id for d in diagnoses),
            *(v.recorded_by_id for v in visits),
            *(i.decided_by_id for i in items),
        ]
        if u is not None
    }
    names = await organizations.get_user_names(session, users)
    companies = await organizations.get_names(session, {d.organization_id for d in diagnoses})
    catalog = await indexing.catalog_snapshot(session)

    def ref(user_id: uuid.UUID | None) -> UserRef | None:
        return UserRef(id=user_id, name=names.get(user_id, "")) if user_id else None

    def stamp(at: Any, by: uuid.UUID | None) -> Stamp | None:
        return Stamp(at=at, by=ref(by)) if at is not None else None

    out: list[DiagnosisOut] = []
    for d in diagnoses:
        own_items = [i for i in items if i.diagnosis_id == d.id]
        operator = viewer.oversees(d.region_code)
        reviewing = reviewer is not None and viewer.organization_id != d.organization_id and not operator
        shown_items = own_items
        if not (reviewing or _plan_shown(d, viewer)):
            shown_items = []  # the enterprise sees its plan once delivered
        shown_reviews = [r for r in review_rows if r.diagnosis_id == d.id] if operator else []
        out.append(
            DiagnosisOut(
                id=d.id,
                organization=EnterpriseRef(id=d.organization_id, name=companies.get(d.organization_id, "")),
                region_code=d.region_code,
                status=d.status,
                planned_at=d.planned_at,
                summary=d.summary,
                opened=Stamp(at=d.created_at, by=ref(d.opened_by_id)),
                visited_at=d.visited_at,
                plan_drafted_at=d.plan_drafted_at,
                delivered=stamp(d.delivered_at, d.delivered_by_id),
                closed=stamp(d.closed_at, d.closed_by_id),
                plan_budget_max_cny=sum(i.budget_max_cny for i in own_items),
                review_required=await reviews.review_required(session, d, own_items),
                expert_reviews=await reviews.outs(session, shown_reviews),
                visits=[
                    VisitOut(
                        id=v.id,
                        visited_at=v.visited_at,
                        findings=[FindingIn.model_validate(f) for f in v.findings],
                        recorded_by=ref(v.recorded_by_id),
                        created_at=v.created_at,
                    )
                    for v in visits
                    if v.diagnosis_id == d.id
                ],
                plan_items=[item_out(i, catalog.categories, demand_of, names) for i in shown_items],
                created_at=d.created_at,
                updated_at=d.updated_at,
            )
        )
    return out


def item_out(
    item: PlanItem,
    categories: dict[str, Any],
    demand_of: dict[uuid.UUID, uuid.UUID],
    names: dict[uuid.UUID, str],
) -> PlanItemOut:
    category = categories.get(item.category_code)
    decided = None
    if item.decided_at is not None:
        by = (
            UserRef(id=item.decided_by_id, name=names.get(item.decided_by_id, ""))
            if item.decided_by_id
            else None
        )
        decided = Stamp(at=item.decided_at, by=by)
    return PlanItemOut(
        id=item.id,
        diagnosis_id=item.diagnosis_id,
        category_code=item.category_code,
        category_name=category.name if category else item.category_code,
        quantity=item.quantity,
        budget_min_cny=item.budget_min_cny,
        budget_max_cny=item.budget_max_cny,
        task_type=item.task_type,
        expected_benefit=item.expected_benefit,
        energy_saving_pct=item.energy_saving_pct,
        efficiency_gain_pct=item.efficiency_gain_pct,
        status=item.status,
        decided=decided,
        decline_reason=item.decline_reason,
        demand_id=demand_of.get(item.id),
        created_at=item.created_at,
    )


async def plan_item_out(session: AsyncSession, item: PlanItem) -> PlanItemOut:
    catalog = await indexing.catalog_snapshot(session)
    demand_of = await repository.demands_of_items(session, [item.id])
    names = await organizations.get_user_names(session, {item.decided_by_id} if item.decided_by_id else set())
    return item_out(item, catalog.categories, demand_of, names)


def _plan_shown(diagnosis: Diagnosis, viewer: Viewer) -> bool:
    """Operators see a plan as it is drafted; the enterprise once it is delivered."""
    drafting = diagnosis.status in ("planned", "visited", "plan_drafted")
    return viewer.oversees(diagnosis.region_code) or not drafting


async def page(
    session: AsyncSession,
    params: PageParams,
    *,
    viewer: Viewer,
    organization_id: uuid.UUID,
    region_code: str | None,
    status: str | None,
) -> DiagnosisList:
    """An operator's in its region; anyone else's own organization's."""
    operator = viewer.scope is not None
    rows, cursor = await repository.page(
        session,
        params,
        scope_prefix=viewer.scope.prefix if viewer.scope is not None else None,
        organization_id=None if operator else organization_id,
        region_prefix=scope.prefix(region_code) if region_code else None,
        status=status,
    )
    counts = await repository.item_counts(session, [d.id for d in rows])
    names = await organizations.get_names(session, {d.organization_id for d in rows})
    return DiagnosisList(
        items=[
            DiagnosisSummary(
                id=d.id,
                organization=EnterpriseRef(id=d.organization_id, name=names.get(d.organization_id, "")),
                region_code=d.region_code,
                status=d.status,
                planned_at=d.planned_at,
                plan_items=counts.get(d.id, 0) if _plan_shown(d, viewer) else 0,
                created_at=d.created_at,
            )
            for d in rows
        ],
        next_cursor=cursor,
    )
