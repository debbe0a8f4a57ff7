"""Worker lifecycle hooks."""

from __future__ import annotations

import logging

from celery.signals import worker_ready

logger = logging.getLogger(__name__)


@worker_ready.connect
def jobs_reap_on_worker_start(**_kwargs) -> None:
    """A worker that starts after a crash fails the jobs its predecessor left running."""
    from apps.core.job_status import jobs_reap_stale

    try:
        jobs_reap_stale()
    except Exception:
        logger.exception("could not reap stale jobs at worker start")
