"""Expert reviews of a 一对一技改方案 (技改专家智库): a 服务专员 asks an expert of the pool to review a
drafted plan; the expert gives a structured opinion. An expert whose own organization quotes on the
enterprise's demands has a conflict of interest and is refused, when asked and again when answering. A
plan whose budget reaches the region's threshold is delivered only with an approval given after its last
item."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import scope
from app.auth.principal import Viewer
from app.diagnoses import repository
from app.diagnoses.schemas import (
    EnterpriseRef,
    ExpertReviewIn,
    ExpertReviewOut,
    OpinionIn,
    ReviewExpert,
    Stamp,
    UserRef,
)
from app.errors import Conflict, InvalidInput, NotFound
from app.experts import repository as experts
from app.models.account import User
from app.models.base import utcnow
from app.models.diagnosis import Diagnosis, PlanItem
from app.models.expert import Expert, ExpertReview
from app.notifications import service as notifications
from app.operators import service as operators
from app.organizations import repository as organizations

VERDICT_ZH = {"approve": "同意", "revise": "修改后再议", "reject": "不同意"}
NO_REVIEW, NO_REVIEW_ZH = "No such expert review.", "没有这个专家评审。"
CONFLICT = (
    "The expert's own organization quotes on this enterprise's demands: a conflict of interest; "
    "ask another expert."
)
CONFLICT_ZH = "该专家所在机构对该企业的需求有报价，存在利益冲突，请另请专家。"


async def _conflicted(session: AsyncSession, expert_organization_id: uuid.UUID, diagnosis: Diagnosis) -> bool:
    return expert_organization_id == diagnosis.organization_id or (
        await experts.live_quotes(session, expert_organization_id, diagnosis.organization_id) > 0
    )


async def request_review(
    session: AsyncSession, diagnosis: Diagnosis, data: ExpertReviewIn, *, viewer: Viewer, user_id: uuid.UUID
) -> ExpertReview:
    """`diagnosis` is the operator's (checked and locked by the caller)."""
    if diagnosis.status != "plan_drafted":
        raise Conflict(
            f"Only a drafted plan is reviewed; this diagnosis is {diagnosis.status}.",
            zh="只有起草中的技改方案可以申请专家评审。",
            stage=diagnosis.status,
        )
    row = await experts.get(session, data.expert_id)
    if row is None or not row[0].active:
        raise InvalidInput(["body", "expert_id"], "no such expert in the pool", zh="专家库中没有这位专家")
    expert, _user, organization = row
    if not scope.covers(expert.region_code, diagnosis.region_code):
        raise InvalidInput(
            ["body", "expert_id"],
            "this expert does not serve the enterprise's region",
            zh="该专家不服务该企业所在地区",
        )
    if await _conflicted(session, organization.id, diagnosis):
        raise Conflict(CONFLICT, zh=CONFLICT_ZH, code="conflict_of_interest")
    pending = await session.scalar(
        select(ExpertReview.id).where(
            ExpertReview.diagnosis_id == diagnosis.id,
            ExpertReview.expert_id == expert.id,
            ExpertReview.status == "requested",
        )
    )
    if pending is not None:
        raise Conflict(
            "This expert already has this plan to review.", zh="已邀请该专家评审此方案，尚未出具意见。"
        )
    review = ExpertReview(
        diagnosis_id=diagnosis.id, expert_id=expert.id, status="requested", requested_by_id=user_id
    )
    session.add(review)
    await session.flush()
    await notifications.notify(
        session,
        organization.id,
        "expert_review_requested",
        "技改方案评审邀请",
        "服务专员邀请您评审一份一对一技改方案，请查看并出具意见。",
        {"expert_review_id": str(review.id), "diagnosis_id": str(diagnosis.id)},
    )
    return review


async def give_opinion(
    session: AsyncSession, review_id: uuid.UUID, data: OpinionIn, *, user_id: uuid.UUID
) -> ExpertReview:
    review = await session.get(ExpertReview, review_id, with_for_update=True)
    row = await experts.get(session, review.expert_id) if review is not None else None
    if review is None or row is None or row[0].user_id != user_id:
        raise NotFound(NO_REVIEW, zh=NO_REVIEW_ZH)
    if review.status != "requested":
        raise Conflict("This review already has its opinion.", zh="该评审已出具意见。")
    diagnosis = await repository.get(session, review.diagnosis_id)
    assert diagnosis is not None
    if await _conflicted(session, row[2].id, diagnosis):
        raise Conflict(CONFLICT, zh=CONFLICT_ZH, code="conflict_of_interest")
    review.status, review.verdict, review.comments, review.answered_at = (
        "answered",
        data.verdict,
        data.comments.strip(),
        utcnow(),
    )
    await session.flush()
    requester = await session.get(User, review.requested_by_id) if review.requested_by_id else None
    if requester is not None:
        await notifications.notify(
            session,
            requester.organization_id,
            "expert_opinion_given",
            "专家已出具评审意见",
            f"专家对技改方案的意见：{VERDICT_ZH[data.verdict]}。",
            {"expert_review_id": str(review.id), "diagnosis_id": str(diagnosis.id), "verdict": data.verdict},
        )
    return review


async def reviews_of(session: AsyncSession, diagnosis_ids: list[uuid.UUID]) -> Sequence[ExpertReview]:
    if not diagnosis_ids:
        return []
    stmt = (
        select(ExpertReview)
        .where(ExpertReview.diagnosis_id.in_(diagnosis_ids))
        .order_by(ExpertReview.requested_at, ExpertReview.id)
    )
    return (await session.scalars(stmt)).all()


async def outs(session: AsyncSession, reviews: Sequence[ExpertReview]) -> list[ExpertReviewOut]:
    result: list[ExpertReviewOut] = []
    requesters = await organizations.get_user_names(
        session, {r.requested_by_id for r in reviews if r.requested_by_id is not None}
    )
    for review in reviews:
        row = await experts.get(session, review.expert_id)
        assert row is not None
        expert, user, organization = row
        by = review.requested_by_id
        result.append(
            ExpertReviewOut(
                id=review.id,
                diagnosis_id=review.diagnosis_id,
                expert=ReviewExpert(
                    id=expert.id,
                    user=UserRef(id=user.id, name=user.name),
                    organization=EnterpriseRef(id=organization.id, name=organization.name),
                ),
                status=review.status,
                requested=Stamp(
                    at=review.requested_at, by=UserRef(id=by, name=requesters.get(by, "")) if by else None
                ),
                verdict=review.verdict,
                comments=review.comments,
                answered_at=review.answered_at,
            )
        )
    return result


async def review_required(session: AsyncSession, diagnosis: Diagnosis, items: Sequence[PlanItem]) -> bool:
    (threshold, _where), _target = await operators.effective_settings(session, diagnosis.region_code)
    return threshold is not None and sum(i.budget_max_cny for i in items) >= threshold


async def check_deliverable(session: AsyncSession, diagnosis: Diagnosis, items: Sequence[PlanItem]) -> None:
    """409 when the plan needs an expert's approval it does not have (given after its last item)."""
    if not items:
        raise Conflict("The plan has no item to deliver.", zh="技改方案还没有条目。")
    if not await review_required(session, diagnosis, items):
        return
    last_item = max(i.created_at for i in items)
    approved = [
        r
        for r in await reviews_of(session, [diagnosis.id])
        if r.verdict == "approve" and r.answered_at is not None and r.answered_at >= last_item
    ]
    if not approved:
        raise Conflict(
            "The plan's budget reaches the region's expert-review threshold: it needs an expert's approval "
            "(POST /diagnoses/{id}/expert-reviews) given after its last item.",
            zh="方案预算达到本地区专家评审门槛：须经专家同意"
            "（POST /diagnoses/{id}/expert-reviews）后方可交付。",
            code="expert_review_required",
        )


async def reviews_for_user(session: AsyncSession, user_id: uuid.UUID) -> Sequence[ExpertReview]:
    stmt = (
        select(ExpertReview)
        .join(Expert, Expert.id == ExpertReview.expert_id)
        .where(Expert.user_id == user_id)
        .order_by(ExpertReview.requested_at.desc(), ExpertReview.id.desc())
        .limit(200)
    )
    return (await session.scalars(stmt)).all()


async def reviewed_by(session: AsyncSession, diagnosis_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether the user is an expert asked to review this diagnosis (who may then read it)."""
    stmt = (
        select(ExpertReview.id)
        .join(Expert, Expert.id == ExpertReview.expert_id)
        .where(ExpertReview.diagnosis_id == diagnosis_id, Expert.user_id == user_id)
        .limit(1)
    )
    return await session.scalar(stmt) is not None
