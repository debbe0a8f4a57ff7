"""Worker lifecycle hooks."""

from __future__ import annotations

import logging

from celery.signals import worker_process_init, worker_ready

logger = logging.getLogger(__name__)


@worker_ready.connect
def jobs_recover_on_worker_start(**_kwargs) -> None:
    """A worker that starts after a crash fails the jobs its predecessor left running and sends again
    the queued jobs whose messages were lost (beat does both every 30 s as well)."""
    from apps.core.dispatch import jobs_resend_lost
    from apps.core.job_status import jobs_reap_stale

    for step in (jobs_reap_stale, jobs_resend_lost):
        try:
            step()
        except Exception:
            logger.exception("%s failed at worker start", step.__name__)


@worker_process_init.connect
def pool_process_mark(**_kwargs) -> None:
    """A pool process that gets SIGTERM while it runs a job hands the job back to its queue."""
    from apps.core.runner import pool_process_mark

    pool_process_mark()
