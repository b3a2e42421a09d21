"""The demand routes that reach beyond demands: publishing (leads, alerts) and editing (leads,
withdrawn consent). Same paths and tag as the other demand routes; here because they call
`app/workflows/publishing.py`, which depends on demands, leads, matching and saved searches."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, BackgroundTasks, Request

from app.auth.principal import Viewer
from app.demands import service
from app.demands.schemas import DemandOut, DemandUpdate
from app.deps import CurrentPrincipal, IfMatchHeader, ManagerPrincipal, SessionDep
from app.jobs.after_commit import run_after_commit
from app.kit.etag import etag_for
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.models.demand import Demand
from app.workflows import publishing

router = APIRouter(tags=["demands"])


async def _one(session: SessionDep, demand: Demand, viewer: Viewer) -> FastJSONResponse:
    body = await service.view_one(session, demand, viewer)
    return FastJSONResponse(body, headers={"ETag": etag_for(service.ETAG_KIND, demand.version)})


@router.patch(
    "/demands/{demand_id}",
    response_model=DemandOut,
    operation_id="update_demand",
    responses=problems(401, 403, 404, 409, 412, 413, 422),
    summary="Edit a draft or published demand",
)
async def update_demand(
    demand_id: uuid.UUID,
    body: DemandUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    if_match: IfMatchHeader = None,
) -> FastJSONResponse:
    """The enterprise that posted the demand edits a `draft` or `published` demand (403 for others who
    can see it; 409 in any other status); only the fields sent change, all or nothing. Send the `ETag`
    from a GET as `If-Match` to avoid overwriting someone else's change (412 when stale). Required
    fields may not be set to null, codes are checked against the catalog (422); a published demand
    that now fits a bank's lead subscription becomes that bank's lead."""
    demand = await publishing.edit_demand(
        session, demand_id, body, viewer=principal.viewer, if_match=if_match
    )
    return await _one(session, demand, principal.viewer)


@router.post(
    "/demands/{demand_id}/publish",
    response_model=DemandOut,
    operation_id="publish_demand",
    responses=problems(401, 403, 404, 409, 422),
    summary="Publish a draft (vetted enterprises only)",
)
async def publish_demand(
    demand_id: uuid.UUID,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    principal: ManagerPrincipal,
) -> FastJSONResponse:
    """The owner publishes a `draft` (409 from any other status); the owner's organization must be
    vetted (403) and `expected_start` must not be in the past (422). Publishing offers the demand to
    banks whose lead subscriptions it fits (when it shares a financing need with banks) in the same
    transaction. Suppliers and providers whose matches score above the threshold are notified, as are
    organizations with a saved search it fits: after the publication commits, so a failure to notify
    never fails it (and is retried)."""
    demand, job = await publishing.publish_demand(
        session,
        demand_id,
        viewer=principal.viewer,
        organization_vetted=principal.organization.vetting_status == "vetted",
    )
    if job is not None:
        background.add_task(run_after_commit, request, [job.id])
    return await _one(session, demand, principal.viewer)
