"""Runs one job inside a worker: claim it, beat, report progress, record the outcome.

Idempotent: a redelivered message for a job that is not queued any more does nothing, so a job
never runs twice at once. Each claim is an attempt, and every write a runner makes (progress,
heartbeat, outcome) holds only while the job is still in that attempt.

At shutdown a worker hands its job back: SIGTERM reaching the pool process while a handler runs
stops the handler (JobHandedBack), puts the job back to "queued" and sends its message again, so
the next worker starts it afresh; it is never left "running" by an orderly stop.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core import registry
from apps.core.dispatch import job_send
from apps.core.job_status import job_finish
from apps.core.models import Job, JobStatus

logger = logging.getLogger(__name__)


class JobStopped(Exception):
    """The job was cancelled (or reaped) while it ran: stop working on it."""


class JobHandedBack(BaseException):
    """The worker is shutting down: stop the handler and give the job back to its queue.

    A BaseException, like KeyboardInterrupt, so a handler's `except Exception` does not swallow it."""


HANDBACK_MESSAGE = "Handed back: its worker shut down before it finished. It starts again on the next worker."
_state = {"in_handler": False, "in_job": False, "pool_process": False, "previous": None}


def _on_sigterm(signum, frame) -> None:
    if _state["in_handler"]:
        _state["in_handler"] = False  # once: the hand-back itself must not be interrupted
        raise JobHandedBack()
    if _state["in_job"]:
        return  # claiming or recording the outcome: a few milliseconds; the worker stops after it
    previous = _state["previous"]
    if callable(previous):
        previous(signum, frame)  # billiard's own: the pool process exits
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def pool_process_mark() -> None:
    """worker_process_init: this process is a worker's pool process, where jobs hand back on SIGTERM."""
    _state["pool_process"] = True


def handback_on_sigterm_install() -> None:
    """In a worker's pool process, before a job runs: SIGTERM hands the running job back.

    Installed per job rather than at process start, since billiard sets its own SIGTERM handler
    after the process initializer; outside a job that handler still does what it did."""
    if not _state["pool_process"]:
        return
    current = signal.getsignal(signal.SIGTERM)
    if current is not _on_sigterm:
        _state["previous"] = current
        signal.signal(signal.SIGTERM, _on_sigterm)


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
        # Filtering on status and attempt makes "still mine and running?" and the write one statement.
        mine = Job.objects.filter(id=self.job.id, status=JobStatus.RUNNING, attempts=self.job.attempts)
        if not mine.update(**updates):
            raise JobStopped(f"job {self.job.id} is no longer running")
        if self.listener is not None:
            self.listener({**updates, "epoch": epoch})

    def span(self, start: float, end: float, message: str, *, seconds: float = 0.5) -> Callable[[float], None]:
        """A progress(fraction) callback for one stage of the job (tiles of an image, batches): the job's
        progress runs from `start` to `end` with `message`, written at most every `seconds` (and always for the
        last call), so a thousand tiles do not make a thousand writes."""
        last = [0.0]

        def report(fraction: float) -> None:
            now = time.monotonic()
            if fraction >= 1.0 or now - last[0] >= seconds:
                last[0] = now
                self.update(progress=start + (end - start) * fraction, message=message)

        return report


class Heartbeat(threading.Thread):
    """Touches the job's heartbeat while the handler works, so a dead worker is noticed."""

    def __init__(self, job_id, attempt: int) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.job_id = job_id
        self.attempt = attempt
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.AEWEB_HEARTBEAT_SECONDS):
                Job.objects.filter(id=self.job_id, status=JobStatus.RUNNING, attempts=self.attempt).update(
                    heartbeat_at=timezone.now()
                )
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
    _state["in_job"] = True
    try:
        return _job_execute(job_id=job_id, listener=listener)
    finally:
        _state["in_job"] = _state["in_handler"] = False


def _job_execute(*, job_id, listener: Callable[[dict[str, Any]], None] | None = None) -> Job | None:
    job = job_claim(job_id)
    if job is None:
        logger.info("job %s is not queued; nothing to do", job_id)
        return None
    heartbeat = Heartbeat(job.id, job.attempts)
    heartbeat.start()
    started = time.monotonic()
    finish = {"job_id": job.id, "attempt": job.attempts}
    try:
        kind = registry.jobkind_get(job.kind)
        if kind is None:
            raise LookupError(f"no app declares job kind {job.kind!r} (was it renamed or its app removed?)")
        _state["in_handler"] = True
        try:
            result = kind.handler(job, JobReporter(job, listener))
        finally:
            _state["in_handler"] = False
        job_finish(
            **finish,
            status=JobStatus.SUCCEEDED,
            result=result or {},
            # A handler's `activation` (why a new version was or was not made the active one) ends the message.
            message=" ".join(
                filter(None, [f"Done in {time.monotonic() - started:.1f} s.", (result or {}).get("activation")])
            )[:500],
        )
    except JobHandedBack:
        heartbeat.stop()
        job_hand_back(job=job)
    except JobStopped:
        logger.info("job %s stopped: cancelled or reaped", job.id)
    except SoftTimeLimitExceeded:
        job_finish(
            **finish,
            status=JobStatus.FAILED,
            message="Time limit exceeded.",
            error=f"The job ran past its time limit ({settings.AEWEB_JOB_TIME_LIMIT} s) and was stopped.",
        )
    except Exception as exc:
        logger.exception("job %s failed", job.id)
        job_finish(**finish, status=JobStatus.FAILED, message="Failed.", error=f"{type(exc).__name__}: {exc}")
    finally:
        heartbeat.stop()
    job.refresh_from_db()
    return job


def job_hand_back(*, job: Job) -> None:
    """Put a job this runner holds back to "queued" and send its message again (the sweeper would, later)."""
    if not connection.in_atomic_block:  # the handler may have been stopped mid-query: start afresh
        connection.close()
    moved = Job.objects.filter(id=job.id, status=JobStatus.RUNNING, attempts=job.attempts).update(
        status=JobStatus.QUEUED,
        progress=0.0,
        message=HANDBACK_MESSAGE,
        history=[],
        heartbeat_at=None,
        started_at=None,
    )
    logger.warning("job %s handed back at worker shutdown", job.id)
    if moved:
        try:
            job_send(job=job)
        except Exception as exc:  # the broker is gone too: the sweeper sends it once there is one
            logger.warning("job %s handed back but not sent again (%s); the sweeper will", job.id, exc)
