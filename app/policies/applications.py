"""申报: an enterprise applies for a policy with a contracted demand; operators move the application
`submitted → accepted → reviewed → publicized → granted`, or `rejected` at any stage, one stage at a
time. Accepting (受理) is for any operator of the demand's region; the later stages for operators at the
policy's own level (a province policy's by province operators, a 市州's by that 市州's or the province's).
Each step is recorded with its note, actor and time, audited and notified to the enterprise."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import scope
from app.auth.principal import Viewer
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.kernel import today_in_sichuan
from app.kit.integrity import flush_or_conflict
from app.kit.pagination import PageParams, keyset_page
from app.matching.policies import from_row
from app.models.base import utcnow
from app.models.demand import Demand
from app.models.policy import ApplicationStep, Policy, PolicyApplication
from app.notifications import service as notifications
from app.organizations import repository as organizations
from app.policies.schemas import (
    AdvanceIn,
    ApplicationIn,
    ApplicationList,
    ApplicationOut,
    ApplicationStepOut,
    NamedRef,
)

NEXT = {
    "submitted": ("accepted", "rejected"),
    "accepted": ("reviewed", "rejected"),
    "reviewed": ("publicized", "rejected"),
    "publicized": ("granted", "rejected"),
}
STAGE_ZH = {
    "submitted": "已提交",
    "accepted": "已受理",
    "reviewed": "已审核",
    "publicized": "已公示",
    "granted": "已兑现",
    "rejected": "未通过",
}
RANK = {"county": 0, "city": 1, "province": 2}
NO_APPLICATION, NO_APPLICATION_ZH = "No such application.", "没有这个申报。"
LIVE = "This demand already has an application for this policy under way."
LIVE_ZH = "该需求已有针对此政策的申报在办理中。"


async def submit(
    session: AsyncSession, data: ApplicationIn, *, viewer: Viewer, user_id: uuid.UUID
) -> PolicyApplication:
    demand = await session.get(Demand, data.demand_id)
    if demand is None or demand.organization_id != viewer.organization_id:
        raise NotFound("No such demand of yours.", zh="您没有这个需求。")
    viewer.require("manager", action="Applying for a policy", action_zh="政策申报")
    if demand.contracted_at is None or demand.status not in ("contracted", "completed"):
        raise InvalidInput(
            ["body", "demand_id"],
            "apply with a contracted demand (the project the support is for)",
            zh="申报须使用已签约的需求（即申请支持的项目）",
        )
    policy = await session.get(Policy, data.policy_id)
    if policy is None:
        raise InvalidInput(["body", "policy_id"], "no such policy", zh="没有这项政策")
    matching = from_row(policy)
    if not matching.in_force(today_in_sichuan()):
        raise InvalidInput(
            ["body", "policy_id"], "the policy is not in force today", zh="该政策今日不在有效期内"
        )
    if not scope.covers(policy.region_code, demand.region_code):
        raise InvalidInput(
            ["body", "policy_id"],
            "the policy does not apply in the demand's region",
            zh="该政策不适用于需求所在地区",
        )
    if policy.task_types and demand.task_type not in policy.task_types:
        raise InvalidInput(
            ["body", "policy_id"],
            "the policy does not cover the demand's task type",
            zh="该政策不支持该需求的重点任务",
        )
    application = PolicyApplication(
        policy_id=policy.id,
        demand_id=demand.id,
        organization_id=demand.organization_id,
        region_code=demand.region_code,
        status="submitted",
        submitted_by_id=user_id,
        version=1,
    )
    session.add(application)
    await flush_or_conflict(session, {"uq_policy_applications_live": (["body", "policy_id"], LIVE, LIVE_ZH)})
    session.add(
        ApplicationStep(
            application_id=application.id, from_status=None, to_status="submitted", actor_id=user_id
        )
    )
    await session.flush()
    return application


def _check_level(viewer: Viewer, application: PolicyApplication, policy: Policy, to: str) -> None:
    if not viewer.oversees(application.region_code):
        raise NotFound(NO_APPLICATION, zh=NO_APPLICATION_ZH)
    if to == "accepted":
        return
    assert viewer.scope is not None
    level = scope.level_of(policy.region_code)
    if RANK[viewer.scope.level] < RANK[level] or not viewer.scope.covers(policy.region_code):
        raise Forbidden(
            f"This stage of a {level} policy is decided by its {level} operators.",
            zh="该阶段须由政策所属层级的服务专员办理。",
            needed_level=level,
        )


async def advance(
    session: AsyncSession, application_id: uuid.UUID, data: AdvanceIn, *, viewer: Viewer, user_id: uuid.UUID
) -> PolicyApplication:
    application = await session.get(PolicyApplication, application_id, with_for_update=True)
    if application is None or not viewer.oversees(application.region_code):
        raise NotFound(NO_APPLICATION, zh=NO_APPLICATION_ZH)
    policy = await session.get(Policy, application.policy_id)
    assert policy is not None
    allowed = NEXT.get(application.status, ())
    if data.to not in allowed:
        raise Conflict(
            f"An application {application.status} moves next to "
            f"{' or '.join(allowed) or 'nothing'}, not {data.to}.",
            zh=f"申报当前为“{STAGE_ZH[application.status]}”，不能跳到“{STAGE_ZH[data.to]}”。",
            allowed=list(allowed),
        )
    _check_level(viewer, application, policy, data.to)
    if data.to == "granted":
        if data.granted_cny is None:
            raise InvalidInput(["body", "granted_cny"], "granting needs the amount", zh="兑现须填写金额")
        if policy.cap_cny is not None and data.granted_cny > policy.cap_cny:
            raise InvalidInput(
                ["body", "granted_cny"], f"above the policy's cap of {policy.cap_cny} yuan", zh="超过政策上限"
            )
        application.granted_cny = data.granted_cny
    elif data.granted_cny is not None:
        raise InvalidInput(["body", "granted_cny"], "only granting has an amount", zh="只有兑现时填写金额")
    step = ApplicationStep(
        application_id=application.id,
        from_status=application.status,
        to_status=data.to,
        note=data.note.strip(),
        actor_id=user_id,
    )
    application.status = data.to
    application.version += 1
    application.updated_at = utcnow()
    session.add(step)
    await session.flush()
    await notifications.notify(
        session,
        application.organization_id,
        "application_status_changed",
        f"政策申报{STAGE_ZH[data.to]}",
        f"您申报的「{policy.title}」{STAGE_ZH[data.to]}。{data.note.strip()}",
        {"application_id": str(application.id), "status": data.to},
    )
    return application


async def get(session: AsyncSession, application_id: uuid.UUID, *, viewer: Viewer) -> PolicyApplication:
    application = await session.get(PolicyApplication, application_id)
    if application is None or not (
        viewer.oversees(application.region_code) or viewer.organization_id == application.organization_id
    ):
        raise NotFound(NO_APPLICATION, zh=NO_APPLICATION_ZH)
    return application


async def outs(session: AsyncSession, applications: Sequence[PolicyApplication]) -> list[ApplicationOut]:
    ids = [a.id for a in applications]
    steps = (
        (
            await session.scalars(
                select(ApplicationStep)
                .where(ApplicationStep.application_id.in_(ids))
                .order_by(ApplicationStep.at, ApplicationStep.id)
            )
        ).all()
        if ids
        else []
    )
    policies = {
        p.id: p
        for p in (
            await session.scalars(select(Policy).where(Policy.id.in_({a.policy_id for a in applications})))
        ).all()
    }
    demands = {
        d.id: d
        for d in (
            await session.scalars(select(Demand).where(Demand.id.in_({a.demand_id for a in applications})))
        ).all()
    }
    names = await organizations.get_user_names(session, {s.actor_id for s in steps if s.actor_id})
    companies = await organizations.get_names(session, {a.organization_id for a in applications})
    result: list[ApplicationOut] = []
    for a in applications:
        policy, demand = policies[a.policy_id], demands[a.demand_id]
        result.append(
            ApplicationOut(
                id=a.id,
                policy=NamedRef(id=policy.id, name=policy.title),
                demand=NamedRef(id=demand.id, name=demand.title),
                organization=NamedRef(id=a.organization_id, name=companies.get(a.organization_id, "")),
                region_code=a.region_code,
                status=a.status,
                granted_cny=a.granted_cny,
                next=list(NEXT.get(a.status, ())),
                steps=[
                    ApplicationStepOut(
                        from_status=s.from_status,
                        to_status=s.to_status,
                        note=s.note,
                        actor=NamedRef(id=s.actor_id, name=names.get(s.actor_id, "")) if s.actor_id else None,
                        at=s.at,
                    )
                    for s in steps
                    if s.application_id == a.id
                ],
                created_at=a.created_at,
                updated_at=a.updated_at,
            )
        )
    return result


async def page(
    session: AsyncSession,
    params: PageParams,
    *,
    viewer: Viewer,
    status: str | None,
    region_code: str | None,
) -> ApplicationList:
    stmt = select(PolicyApplication)
    if viewer.scope is not None:
        stmt = stmt.where(PolicyApplication.region_code.startswith(viewer.scope.prefix, autoescape=True))
    else:
        stmt = stmt.where(PolicyApplication.organization_id == viewer.organization_id)
    if region_code is not None:
        stmt = stmt.where(
            PolicyApplication.region_code.startswith(scope.prefix(region_code), autoescape=True)
        )
    if status is not None:
        stmt = stmt.where(PolicyApplication.status == status)
    rows, cursor = await keyset_page(
        session, stmt, keys=[PolicyApplication.created_at, PolicyApplication.id], params=params
    )
    return ApplicationList(items=await outs(session, rows), next_cursor=cursor)
