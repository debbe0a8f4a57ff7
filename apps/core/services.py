"""Writes for jobs and the model registry. Runs in the web process: no torch here."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from apps.core.errors import Conflict, InvalidInput, ServiceUnavailable
from apps.core.jobkinds import JOB_KINDS, TRAINING_KINDS, jobkind_get, jobkind_validator
from apps.core.models import Activation, ActiveModel, Job, JobStatus, ModelVersion

logger = logging.getLogger(__name__)


def job_create(
    *, kind: str, params: dict[str, Any], lock_on: tuple[str, ...] = (), user=None, enqueue: bool = True
) -> Job:
    """Validate, store and enqueue a job.

    With `lock_on`, a job whose (validated) params agree on those keys with one that is
    queued or running is refused with 409.
    """
    if kind not in JOB_KINDS:
        raise InvalidInput("kind", f"unknown job kind {kind!r}")
    validator = jobkind_validator(kind)
    if validator is not None:
        params = validator(params)
    lock_key = ":".join([kind, *(str(params.get(key, "")) for key in lock_on)]) if lock_on else ""
    jobs_reap_stale()  # a dead worker's job must not block a new one with a 409
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                queue=jobkind_get(kind).queue,
                params=params,
                lock_key=lock_key,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        running = Job.objects.filter(lock_key=lock_key, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first()
        raise Conflict(
            f"A {kind} job for the same target is already {running.status if running else 'active'}"
            + (f" (job {running.id})." if running else ".")
        ) from None
    if enqueue:
        job_enqueue(job=job)
    return job


def training_job_start(
    *, kind: str, dataset: str = "", model: str = "", config: dict | None = None, user=None, enqueue: bool = True
) -> Job:
    """Start a training job named by the public kind (recommender, vae, denoiser)."""
    if kind not in TRAINING_KINDS:
        raise InvalidInput("kind", f"must be one of {', '.join(sorted(TRAINING_KINDS))}, not {kind!r}")
    return job_create(
        kind=TRAINING_KINDS[kind],
        params={"dataset": dataset, "model": model, "config": config or {}},
        lock_on=("dataset", "model"),
        user=user,
        enqueue=enqueue,
    )


def job_enqueue(*, job: Job) -> None:
    """Send the job's message; if the broker cannot take it, fail the job and answer 503."""
    from apps.core.tasks import job_run

    try:
        job_run.apply_async(args=[str(job.id)], queue=job.queue, retry=False)
    except Exception as exc:  # kombu/redis raise several types for "broker down"
        logger.warning("broker unavailable for job %s: %s", job.id, exc)
        message = "The job queue (message broker) is unavailable; nothing was started. Try again later."
        job_finish(job_id=job.id, status=JobStatus.FAILED, error=f"{message} ({exc})", only_from=None)
        raise ServiceUnavailable(message) from exc


def job_finish(
    *,
    job_id,
    status: str,
    result: dict | None = None,
    error: str = "",
    message: str = "",
    only_from: tuple[str, ...] | None = (JobStatus.RUNNING,),
) -> bool:
    """Move a job to a final status; with `only_from`, only from those statuses. True if moved."""
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
    return queryset.update(**updates) > 0


def job_cancel(*, job: Job) -> Job:
    """Queued jobs stop at once; a running job stops at its next progress report."""
    if job.is_final:
        raise Conflict(f"Job {job.id} has already {job.status}.")
    job_finish(
        job_id=job.id,
        status=JobStatus.CANCELLED,
        message="Cancelled.",
        only_from=(JobStatus.QUEUED, JobStatus.RUNNING),
    )
    job.refresh_from_db()
    return job


def job_retry(*, job: Job) -> Job:
    """Queue a failed or cancelled job again (same id and params), up to the attempt cap."""
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise Conflict(f"Only a failed or cancelled job can be retried; job {job.id} is {job.status}.")
    if job.attempts >= settings.AEWEB_JOB_MAX_ATTEMPTS:
        raise Conflict(f"Job {job.id} has used all {settings.AEWEB_JOB_MAX_ATTEMPTS} attempts.")
    try:
        with transaction.atomic():
            Job.objects.filter(id=job.id).update(
                status=JobStatus.QUEUED,
                progress=0.0,
                message="Queued again.",
                error="",
                history=[],
                heartbeat_at=None,
                started_at=None,
                finished_at=None,
            )
    except IntegrityError:
        raise Conflict("An equal job is already queued or running.") from None
    job.refresh_from_db()
    job_enqueue(job=job)
    return job


def jobs_reap_stale(*, job_id=None) -> int:
    """Fail running jobs whose worker stopped beating, and queued jobs nobody picked up."""
    now = timezone.now()
    heartbeat_timeout = settings.AEWEB_HEARTBEAT_TIMEOUT
    stale_running = Q(status=JobStatus.RUNNING) & (
        Q(heartbeat_at__lt=now - timedelta(seconds=heartbeat_timeout)) | Q(heartbeat_at__isnull=True)
    )
    stale_queued = Q(status=JobStatus.QUEUED, created_at__lt=now - timedelta(seconds=settings.AEWEB_QUEUED_TIMEOUT))
    base = Job.objects.all() if job_id is None else Job.objects.filter(id=job_id)
    reaped = base.filter(stale_running).update(
        status=JobStatus.FAILED,
        finished_at=now,
        message="Worker lost.",
        error=(
            f"The worker running this job stopped responding (no heartbeat for {heartbeat_timeout:.0f} s): "
            "it was probably killed or lost power. The active model is unchanged; retry the job."
        ),
    )
    reaped += base.filter(stale_queued).update(
        status=JobStatus.FAILED,
        finished_at=now,
        message="Never started.",
        error="No worker picked this job up in time; its queue message was probably lost. Retry the job.",
    )
    if reaped:
        logger.warning("marked %d stale job(s) failed", reaped)
    return reaped


# --- model registry -------------------------------------------------------------------------


def model_version_create(
    *,
    kind: str,
    dataset: str,
    name: str,
    config: dict,
    metrics: dict,
    artifacts: dict,
    baselines: dict | None = None,
    history: list | None = None,
    job: Job | None = None,
    card: str = "",
    activate: bool = False,
    user=None,
) -> ModelVersion:
    """Register a new immutable version, numbered after the last one of its kind and data set.

    With `activate`, the version also becomes the active one in the same transaction, so no
    reader sees a registered-but-not-yet-active state from a trainer that then crashed."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                last = ModelVersion.objects.filter(kind=kind, dataset=dataset).aggregate(v=Max("version"))["v"]
                version = ModelVersion.objects.create(
                    kind=kind,
                    dataset=dataset,
                    name=name,
                    version=(last or 0) + 1,
                    config=config,
                    metrics=metrics,
                    baselines=baselines or {},
                    history=history or [],
                    artifacts=artifacts,
                    job=job,
                    card=card,
                )
                if activate:
                    model_version_activate(model_version=version, user=user)
                return version
        except IntegrityError:  # two versions numbered at once: take the next number
            continue
    raise RuntimeError("could not number a new model version")


def model_version_activate(*, model_version: ModelVersion, user=None) -> ActiveModel:
    """Point (kind, dataset) at this version; readers see the old or the new one, never neither."""
    by = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        active, _ = ActiveModel.objects.select_for_update().update_or_create(
            kind=model_version.kind,
            dataset=model_version.dataset,
            defaults={"model_version": model_version, "activated_by": by},
        )
        Activation.objects.create(
            kind=model_version.kind, dataset=model_version.dataset, model_version=model_version, activated_by=by
        )
    return active


def model_version_rollback(*, kind: str, dataset: str, user=None) -> ActiveModel:
    """Activate the version that was active before the current one."""
    current = ActiveModel.objects.filter(kind=kind, dataset=dataset).first()
    if current is None:
        raise Conflict(f"No active {kind} model for {dataset} to roll back from.")
    previous = (
        Activation.objects.filter(kind=kind, dataset=dataset)
        .exclude(model_version_id=current.model_version_id)
        .select_related("model_version")
        .first()
    )
    if previous is None:
        raise Conflict(f"No earlier {kind} model for {dataset} to roll back to.")
    return model_version_activate(model_version=previous.model_version, user=user)
