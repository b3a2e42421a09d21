"""申报: applications for policies, and their stages."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.deps import CurrentPrincipal, OperatorPrincipal, SessionDep
from app.kernel import ApplicationStatus, RegionCode
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.policies import applications
from app.policies.schemas import AdvanceIn, ApplicationIn, ApplicationList, ApplicationOut

router = APIRouter(prefix="/policy-applications", tags=["service network"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="submit_policy_application",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Apply for a policy (申报) with a contracted demand",
)
async def submit_application(
    body: ApplicationIn, principal: CurrentPrincipal, session: SessionDep
) -> ApplicationOut:
    """The enterprise's managers: a `submitted` application for a policy in force that applies to the
    demand's region and task type (422 otherwise), with a contracted demand of theirs (422 for one not
    contracted, 404 for another's). One live application per policy and demand (409)."""
    application = await applications.submit(session, body, viewer=principal.viewer, user_id=principal.user.id)
    [out] = await applications.outs(session, [application])
    return out


@router.get(
    "",
    operation_id="list_policy_applications",
    responses=problems(401, 422),
    summary="Applications: an operator's in its region, an enterprise's own",
)
async def list_applications(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    status: ApplicationStatus | None = None,
    region_code: RegionCode | None = None,
) -> ApplicationList:
    """Operators see those in their region (`region_code` narrows it; a 市州 takes its 区县), enterprises
    their own; newest first, paged with `cursor`, each with its stages so far."""
    return await applications.page(
        session, page, viewer=principal.viewer, status=status, region_code=region_code
    )


@router.get(
    "/{application_id}",
    operation_id="get_policy_application",
    responses=problems(401, 404, 422),
    summary="One application with its stages",
)
async def get_application(
    application_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ApplicationOut:
    """The enterprise and the operators of its region; 404 for everyone else."""
    application = await applications.get(session, application_id, viewer=principal.viewer)
    [out] = await applications.outs(session, [application])
    return out


@router.post(
    "/{application_id}/advance",
    operation_id="advance_policy_application",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Move an application to its next stage, or reject it",
)
async def advance_application(
    application_id: uuid.UUID, body: AdvanceIn, principal: OperatorPrincipal, session: SessionDep
) -> ApplicationOut:
    """Operators: `submitted → accepted → reviewed → publicized → granted`, or `rejected` from any of
    them; skipping a stage is 409 (the problem lists `allowed`). Accepting (受理) is for any operator of
    the demand's region; later stages for operators at the policy's level (403 otherwise, with
    `needed_level`); 404 outside the region. `granted` needs `granted_cny`, at most the policy's cap (422).
    The enterprise is notified of each step."""
    application = await applications.advance(
        session, application_id, body, viewer=principal.viewer, user_id=principal.user.id
    )
    [out] = await applications.outs(session, [application])
    return out
