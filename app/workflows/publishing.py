"""Publishing and editing a demand, the one pair of functions the API, the seed and the benchmarks call.

In the publication's own transaction: the status change and the leads banks are owed (exactly once, so
they commit with it). After it commits, as a job: the alerts to suppliers and providers whose matches
score above the threshold, and to organizations with a saved search the demand fits. A slow or failing
alert never holds up or undoes the publication, and is retried until it is sent.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Viewer
from app.demands import service as demands
from app.demands.schemas import DemandUpdate
from app.jobs import queue as jobs
from app.leads import relay as lead_relay
from app.leads import service as leads
from app.matching import service as matching
from app.models.demand import Demand
from app.models.job import Job
from app.saved_searches import service as saved_searches

log = logging.getLogger(__name__)
ALERTS = "demand.published.alerts"


async def publish_demand(
    session: AsyncSession,
    demand_id: uuid.UUID,
    *,
    viewer: Viewer,
    organization_vetted: bool,
    alerts: bool = True,
) -> tuple[Demand, Job | None]:
    """Publish a draft: leads now, alerts as a job (returned, to run once this commits)."""
    demand = await demands.transition(
        session, demand_id, "publish", viewer=viewer, organization_vetted=organization_vetted
    )
    await leads.offer(session, demand)
    job = await jobs.enqueue(session, ALERTS, {"demand_id": str(demand.id)}) if alerts else None
    return demand, job


async def edit_demand(
    session: AsyncSession, demand_id: uuid.UUID, data: DemandUpdate, *, viewer: Viewer, if_match: str | None
) -> Demand:
    """Edit a draft or published demand; a published one edited into a bank's lead subscription becomes
    that bank's lead (once), and withdrawn consent cancels the lead events that have not gone out."""
    demand = await demands.update_demand(session, demand_id, data, viewer=viewer, if_match=if_match)
    await leads.offer(session, demand)
    if not demand.share_with_banks:
        await lead_relay.cancel_not_owed(session, demand_id=demand.id)
    return demand


@jobs.handler(ALERTS)
async def send_alerts(session: AsyncSession, payload: dict[str, Any], context: jobs.JobContext) -> None:
    demand = await session.get(Demand, uuid.UUID(payload["demand_id"]))
    if demand is None or demand.status != "published":
        return  # closed or contracted before the alerts went out: nothing to announce
    matched = await matching.notify_on_publish(session, context.meili, demand)
    saved = await saved_searches.notify_on_publish(session, demand)
    log.info(
        "publishing.alerts_sent", extra={"demand_id": str(demand.id), "matches": matched, "saved": saved}
    )
