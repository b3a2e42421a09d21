"""Running a request's jobs once its transaction has committed (a background task after the response).
If this process dies first, the worker runs them when their lease runs out: nothing is lost."""

from __future__ import annotations

import logging

from starlette.requests import Request

from app.jobs import queue as jobs

log = logging.getLogger(__name__)


async def run_after_commit(request: Request, job_ids: list[int]) -> None:
    state = request.app.state
    try:
        await jobs.run_due(
            state.sessionmaker, jobs.JobContext(meili=state.meili), worker=state.worker_name, only_ids=job_ids
        )
    except Exception:
        # The jobs stay queued (or leased until the lease ends); the worker will run them.
        log.exception("jobs.after_commit_failed", extra={"job_ids": job_ids})
