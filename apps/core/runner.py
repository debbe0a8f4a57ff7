"""Runs one job inside a worker: claim it, beat, report progress, record the outcome.

Idempotent: a redelivered message for a job that is not queued any more does nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core import registry
from apps.core.job_status import job_finish
from apps.core.models import Job, JobStatus

logger = logging.getLogger(__name__)


class JobStopped(Exception):
    """The job was cancelled (or reaped) while it ran: stop working on it."""


class JobReporter:
    """What a handler uses to report progress; every report also checks for cancellation."""

    def __init__(self, job: Job, listener: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.job = job
        self.history: list[dict[str, Any]] = list(job.history or [])
        self.listener = listener

    def update(self, *, progress: float | None = None, message: str | None = None, epoch: dict | None = None) -> None:
        updates: dict[str, Any] = {"heartbeat_at": timezone.now()}
        if progress is not None:
            updates["progress"] = max(0.0, min(1.0, float(progress)))
        if message is not None:
            updates["message"] = message[:500]
        if epoch is not None:
            self.history.append(epoch)
            updates["history"] = self.history
        # Filtering on status makes "still running?" and the write one atomic statement.
        if not Job.objects.filter(id=self.job.id, status=JobStatus.RUNNING).update(**updates):
            raise JobStopped(f"job {self.job.id} is no longer running")
        if self.listener is not None:
            self.listener({**updates, "epoch": epoch})


class Heartbeat(threading.Thread):
    """Touches the job's heartbeat while the handler works, so a dead worker is noticed."""

    def __init__(self, job_id) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.AEWEB_HEARTBEAT_SECONDS):
                Job.objects.filter(id=self.job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
        except Exception:  # a missed beat is retried; the reaper's timeout allows several
            logger.exception("heartbeat for job %s failed", self.job_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


def job_claim(job_id) -> Job | None:
    """Mark a queued job running; None when it is not queued (already done, cancelled, ...)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(id=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None
        now = timezone.now()
        job.status, job.started_at, job.heartbeat_at = JobStatus.RUNNING, now, now
        job.attempts += 1
        job.progress, job.message = 0.0, "Starting."
        job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts", "progress", "message"])
    return job


def job_execute(*, job_id, listener: Callable[[dict[str, Any]], None] | None = None) -> Job | None:
    job = job_claim(job_id)
    if job is None:
        logger.info("job %s is not queued; nothing to do", job_id)
        return None
    heartbeat = Heartbeat(job.id)
    heartbeat.start()
    started = time.monotonic()
    try:
        kind = registry.jobkind_get(job.kind)
        if kind is None:
            raise LookupError(f"no app declares job kind {job.kind!r} (was it renamed or its app removed?)")
        result = kind.handler(job, JobReporter(job, listener))
        job_finish(
            job_id=job.id,
            status=JobStatus.SUCCEEDED,
            result=result or {},
            message=f"Done in {time.monotonic() - started:.1f} s.",
        )
    except JobStopped:
        logger.info("job %s stopped: cancelled or reaped", job.id)
    except SoftTimeLimitExceeded:
        job_finish(
            job_id=job.id,
            status=JobStatus.FAILED,
            message="Time limit exceeded.",
            error=f"The job ran past its time limit ({settings.AEWEB_JOB_TIME_LIMIT} s) and was stopped.",
        )
    except Exception as exc:
        logger.exception("job %s failed", job.id)
        job_finish(job_id=job.id, status=JobStatus.FAILED, message="Failed.", error=f"{type(exc).__name__}: {exc}")
    finally:
        heartbeat.stop()
    job.refresh_from_db()
    return job
