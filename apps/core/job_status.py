"""Moving jobs to a final status: on finishing, and when their worker or their message is lost.

Below both the services (which start and cancel jobs) and the runner (which executes them),
so neither imports the other.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.core.models import Job, JobStatus

logger = logging.getLogger(__name__)


def job_finish(
    *,
    job_id,
    status: str,
    result: dict | None = None,
    error: str = "",
    message: str = "",
    only_from: tuple[str, ...] | None = (JobStatus.RUNNING,),
    attempt: int | None = None,
) -> bool:
    """Move a job to a final status; with `only_from`, only from those statuses. True if moved.

    With `attempt`, only while the job is still in that attempt: a runner that lost its job (reaped,
    then retried and claimed by another worker) cannot write over the new attempt's outcome."""
    updates: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "error": error[:10000]}
    if result is not None:
        updates["result"] = result
    if message:
        updates["message"] = message[:500]
    if status == JobStatus.SUCCEEDED:
        updates["progress"] = 1.0
    queryset = Job.objects.filter(id=job_id)
    if only_from is not None:
        queryset = queryset.filter(status__in=list(only_from))
    if attempt is not None:
        queryset = queryset.filter(attempts=attempt)
    return queryset.update(**updates) > 0


def jobs_reap_stale() -> int:
    """Fail running jobs whose worker stopped beating, and queued jobs nobody picked up for days.

    Runs from beat (every 30 s), when a worker starts and before a job is created; never on a
    read, so looking at a job does not change it. A queued job whose message was lost is not
    failed: the sweeper (apps.core.dispatch) sends it again; only one that no worker took in
    AEWEB_QUEUED_TIMEOUT (no worker consumes its queue) is."""
    now = timezone.now()
    heartbeat_timeout = settings.AEWEB_HEARTBEAT_TIMEOUT
    stale_running = Q(status=JobStatus.RUNNING) & (
        Q(heartbeat_at__lt=now - timedelta(seconds=heartbeat_timeout)) | Q(heartbeat_at__isnull=True)
    )
    stale_queued = Q(status=JobStatus.QUEUED, created_at__lt=now - timedelta(seconds=settings.AEWEB_QUEUED_TIMEOUT))
    reaped = Job.objects.filter(stale_running).update(
        status=JobStatus.FAILED,
        finished_at=now,
        message="Worker lost.",
        error=(
            f"The worker running this job stopped responding (no heartbeat for {heartbeat_timeout:.0f} s): "
            "it was probably killed or lost power. The active model is unchanged; retry the job."
        ),
    )
    reaped += Job.objects.filter(stale_queued).update(
        status=JobStatus.FAILED,
        finished_at=now,
        message="Never started.",
        error=(
            f"No worker took this job from its queue in {settings.AEWEB_QUEUED_TIMEOUT / 3600:.0f} h: is a worker "
            "running for that queue? Retry the job once one is."
        ),
    )
    if reaped:
        logger.warning("marked %d stale job(s) failed", reaped)
    return reaped
