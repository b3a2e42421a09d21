"""全川行 diagnoses and 一对一技改方案 (a 服务专员's work with an enterprise of its region)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.deps import CurrentPrincipal, OperatorPrincipal, SessionDep
from app.diagnoses import reviews, service
from app.diagnoses.schemas import (
    DeclineIn,
    DiagnosisIn,
    DiagnosisList,
    DiagnosisOut,
    DiagnosisUpdate,
    ExpertReviewIn,
    ExpertReviewList,
    ExpertReviewOut,
    OpinionIn,
    PlanItemIn,
    PlanItemOut,
    VisitIn,
)
from app.kernel import DiagnosisStatus, RegionCode
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems

router = APIRouter(tags=["service network"])


@router.post(
    "/diagnoses",
    status_code=status.HTTP_201_CREATED,
    operation_id="open_diagnosis",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Plan a diagnosis visit (全川行) to an enterprise of the operator's region",
)
async def open_diagnosis(
    body: DiagnosisIn, principal: OperatorPrincipal, session: SessionDep
) -> DiagnosisOut:
    """Operators (服务专员) and admins: a diagnosis in `planned` for an enterprise of their region (404
    outside it; 422 for an organization that is not an enterprise). One diagnosis is under way per
    enterprise at a time (409 until the last is closed). The enterprise is notified."""
    diagnosis = await service.open_diagnosis(
        session, body, viewer=principal.viewer, user_id=principal.user.id
    )
    return await service.get(session, diagnosis.id, viewer=principal.viewer)


@router.get(
    "/diagnoses",
    operation_id="list_diagnoses",
    responses=problems(401, 422),
    summary="Diagnoses: an operator's in its region, an enterprise's own",
)
async def list_diagnoses(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    region_code: RegionCode | None = None,
    status: DiagnosisStatus | None = None,
) -> DiagnosisList:
    """Operators see those in their region (`region_code` narrows it: a 市州 code takes its 区县),
    enterprises their own, anyone else none; newest first, paged with `cursor`."""
    return await service.page(
        session,
        page,
        viewer=principal.viewer,
        organization_id=principal.organization.id,
        region_code=region_code,
        status=status,
    )


@router.get(
    "/diagnoses/{diagnosis_id}",
    operation_id="get_diagnosis",
    responses=problems(401, 404, 422),
    summary="A diagnosis with its visits and plan",
)
async def get_diagnosis(
    diagnosis_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> DiagnosisOut:
    """The operators of its region, the enterprise (which sees the plan once it is delivered) and an
    expert asked to review it; 404 for everyone else. `review_required` says whether delivering the plan
    needs an expert's approval (the region's threshold, `PUT /admin/service-settings/{code}`)."""
    return await service.get(session, diagnosis_id, viewer=principal.viewer, user_id=principal.user.id)


@router.patch(
    "/diagnoses/{diagnosis_id}",
    operation_id="update_diagnosis",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Move the planned visit, change the summary, or close the diagnosis",
)
async def update_diagnosis(
    diagnosis_id: uuid.UUID, body: DiagnosisUpdate, principal: OperatorPrincipal, session: SessionDep
) -> DiagnosisOut:
    """Operators of its region: `planned_at` only while `planned` (409 after), `summary`, and
    `status: closed` from any stage (another status is 422: the stages follow the work)."""
    await service.update(session, diagnosis_id, body, viewer=principal.viewer, user_id=principal.user.id)
    return await service.get(session, diagnosis_id, viewer=principal.viewer)


@router.post(
    "/diagnoses/{diagnosis_id}/visits",
    status_code=status.HTTP_201_CREATED,
    operation_id="record_diagnosis_visit",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Record a visit and its findings by task type",
)
async def record_visit(
    diagnosis_id: uuid.UUID, body: VisitIn, principal: OperatorPrincipal, session: SessionDep
) -> DiagnosisOut:
    """Operators of its region: the first visit moves a `planned` diagnosis to `visited`; 409 once the
    plan is delivered or the diagnosis closed."""
    await service.record_visit(
        session, diagnosis_id, body, viewer=principal.viewer, user_id=principal.user.id
    )
    return await service.get(session, diagnosis_id, viewer=principal.viewer)


@router.post(
    "/diagnoses/{diagnosis_id}/plan-items",
    status_code=status.HTTP_201_CREATED,
    operation_id="add_plan_item",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Add a recommended item to the 一对一技改方案",
)
async def add_plan_item(
    diagnosis_id: uuid.UUID, body: PlanItemIn, principal: OperatorPrincipal, session: SessionDep
) -> PlanItemOut:
    """Operators of its region, after a visit (409 before one, and once delivered): the first item moves
    the diagnosis to `plan_drafted`. An unknown category is 422, as is a budget whose maximum is below its
    minimum."""
    item = await service.add_plan_item(
        session, diagnosis_id, body, viewer=principal.viewer, user_id=principal.user.id
    )
    return await service.plan_item_out(session, item)


@router.post(
    "/diagnoses/{diagnosis_id}/deliver",
    operation_id="deliver_plan",
    responses=problems(401, 403, 404, 409, 422),
    summary="Deliver the plan to the enterprise",
)
async def deliver_plan(
    diagnosis_id: uuid.UUID, principal: OperatorPrincipal, session: SessionDep
) -> DiagnosisOut:
    """Operators of its region: a `plan_drafted` diagnosis becomes `delivered` (409 from any other stage),
    and the enterprise is notified to decide on each item. A plan whose budget reaches the region's
    expert-review threshold needs an expert's approval given after its last item (409
    `expert_review_required`)."""
    await service.deliver(session, diagnosis_id, viewer=principal.viewer, user_id=principal.user.id)
    return await service.get(session, diagnosis_id, viewer=principal.viewer)


@router.post(
    "/plan-items/{item_id}/accept",
    operation_id="accept_plan_item",
    responses=problems(401, 403, 404, 409, 422),
    summary="The enterprise accepts a recommended item: a draft demand for it",
)
async def accept_plan_item(
    item_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> PlanItemOut:
    """The enterprise's managers, once the plan is delivered (404 before and for everyone else): a draft
    demand with the item's category, quantity, budget and task type, linked back by `plan_item_id`, for the
    enterprise to complete and publish. 409 for an item already decided."""
    item = await service.accept_item(session, item_id, viewer=principal.viewer, user_id=principal.user.id)
    return await service.plan_item_out(session, item)


@router.post(
    "/plan-items/{item_id}/decline",
    operation_id="decline_plan_item",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="The enterprise declines a recommended item, saying why",
)
async def decline_plan_item(
    item_id: uuid.UUID, body: DeclineIn, principal: CurrentPrincipal, session: SessionDep
) -> PlanItemOut:
    """The enterprise's managers, once the plan is delivered; the reason is kept for the 服务专员. 409 for
    an item already decided."""
    item = await service.decline_item(
        session, item_id, body, viewer=principal.viewer, user_id=principal.user.id
    )
    return await service.plan_item_out(session, item)


@router.post(
    "/diagnoses/{diagnosis_id}/expert-reviews",
    status_code=status.HTTP_201_CREATED,
    operation_id="request_expert_review",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Ask an expert of the pool to review a drafted plan",
)
async def request_expert_review(
    diagnosis_id: uuid.UUID, body: ExpertReviewIn, principal: OperatorPrincipal, session: SessionDep
) -> ExpertReviewOut:
    """Operators of the diagnosis' region, while its plan is drafted (409 otherwise). The expert must
    serve the region (422); an expert whose own organization quotes on the enterprise's demands (or is
    the enterprise) has a conflict of interest: 409 `conflict_of_interest`. The expert's organization is
    notified."""
    diagnosis = await service.for_operator(session, diagnosis_id, principal.viewer)
    review = await reviews.request_review(
        session, diagnosis, body, viewer=principal.viewer, user_id=principal.user.id
    )
    [out] = await reviews.outs(session, [review])
    return out


@router.get(
    "/expert-reviews",
    operation_id="list_my_expert_reviews",
    responses=problems(401, 422),
    summary="The reviews the caller was asked for, as an expert",
)
async def list_my_expert_reviews(principal: CurrentPrincipal, session: SessionDep) -> ExpertReviewList:
    """Every review asked of the caller as an expert, newest first (none for anyone else). The diagnosis
    under review is readable by its expert (`GET /diagnoses/{id}`)."""
    mine = await reviews.reviews_for_user(session, principal.user.id)
    return ExpertReviewList(items=await reviews.outs(session, mine), next_cursor=None)


@router.post(
    "/expert-reviews/{review_id}/opinion",
    operation_id="give_expert_opinion",
    responses=problems(401, 404, 409, 413, 422),
    summary="The expert's opinion of the plan: approve, revise or reject, with comments",
)
async def give_expert_opinion(
    review_id: uuid.UUID, body: OpinionIn, principal: CurrentPrincipal, session: SessionDep
) -> ExpertReviewOut:
    """The assigned expert only (404 for everyone else), once (409 after). A conflict of interest arisen
    since the request (the expert's organization has quoted on the enterprise's demands) is 409
    `conflict_of_interest`. The office that asked is notified."""
    review = await reviews.give_opinion(session, review_id, body, user_id=principal.user.id)
    [out] = await reviews.outs(session, [review])
    return out
