"""Writes for jobs and the model registry. Runs in the web process: no torch here.

Refusals are domain errors (apps.core.errors); the API, the admin and the `train` command
each turn them into what their users see.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from apps.core import registry
from apps.core.artifacts import artifact_write, file_sha256
from apps.core.dispatch import job_ids_waiting, job_send
from apps.core.errors import Conflict, InvalidInput, ServiceUnavailable
from apps.core.job_status import job_finish, jobs_reap_stale
from apps.core.models import Activation, ActiveModel, Job, JobStatus, ModelVersion
from apps.core.selectors import model_version_previous_active

logger = logging.getLogger(__name__)


def job_create(*, kind: str, params: dict[str, Any], user=None, enqueue: bool = True) -> Job:
    """Validate, store and enqueue a job.

    A job whose (validated) params agree on its kind's `lock_on` keys with one that is queued
    or running is refused with a Conflict. When the broker cannot take the message, the row is
    deleted again and ServiceUnavailable raised: a refused job leaves nothing behind.
    """
    job_kind = registry.jobkind_get(kind)
    if job_kind is None:
        raise InvalidInput("kind", f"unknown job kind {kind!r}")
    if job_kind.validator is not None:
        params = job_kind.validator(params)
    lock_key = ":".join([kind, *(str(params.get(key, "")) for key in job_kind.lock_on)]) if job_kind.lock_on else ""
    jobs_reap_stale()  # a dead worker's job must not block a new one with a 409
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                queue=job_kind.queue,
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
    """Start a training job named by its public name (`train KIND`: recommender, vae, denoiser, ...)."""
    training = registry.training_get(kind, model)
    if training is None:
        raise InvalidInput("kind", f"must be one of {', '.join(registry.training_names())}, not {kind!r}")
    params = {"dataset": dataset, "model": model, "config": config or {}}
    return job_create(kind=training.job.name, params=params, user=user, enqueue=enqueue)


BROKER_DOWN = "The job queue (message broker) is unavailable; nothing was started. Try again later."


def job_enqueue(*, job: Job) -> None:
    """Send a new job's message; if the broker cannot take it, delete the job and raise ServiceUnavailable.

    For a job just stored by `job_create(..., enqueue=False)` (an app that stores its own rows
    with the job first): the job row goes, so nothing is left queued without a message, and the
    app deletes what it stored with it."""
    try:
        job_send(job=job)
    except Exception as exc:  # kombu/redis raise several types for "broker down"
        logger.warning("broker unavailable for job %s: %s", job.id, exc)
        Job.objects.filter(id=job.id, status=JobStatus.QUEUED, attempts=0).delete()
        raise ServiceUnavailable(BROKER_DOWN) from exc


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
    """Queue a failed or cancelled job again (same id and params), up to the attempt cap.

    A job still queued after AEWEB_QUEUED_RESEND_SECONDS has its message sent again when the
    broker no longer holds it (what the sweeper does every 30 s, at once); a duplicate delivery
    does nothing, since only a queued job is claimed. When the broker is down, the job is left as
    it was and ServiceUnavailable raised."""
    if job.status == JobStatus.QUEUED:
        return _job_resend(job=job)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise Conflict(f"Only a failed, cancelled or long-queued job can be retried; job {job.id} is {job.status}.")
    if job.attempts >= settings.AEWEB_JOB_MAX_ATTEMPTS:
        raise Conflict(f"Job {job.id} has used all {settings.AEWEB_JOB_MAX_ATTEMPTS} attempts.")
    fields = ["status", "progress", "message", "error", "history", "heartbeat_at", "started_at", "finished_at"]
    before = {name: getattr(job, name) for name in fields}
    try:
        with transaction.atomic():
            moved = Job.objects.filter(id=job.id, status=job.status).update(
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
    if not moved:
        raise Conflict(f"Job {job.id} changed meanwhile; look at it again.")
    job.refresh_from_db()
    try:
        job_send(job=job)
    except Exception as exc:
        logger.warning("broker unavailable for the retry of job %s: %s", job.id, exc)
        Job.objects.filter(id=job.id, status=JobStatus.QUEUED).update(**before)
        job.refresh_from_db()
        raise ServiceUnavailable(BROKER_DOWN) from exc
    return job


def _job_resend(*, job: Job) -> Job:
    waited = (timezone.now() - job.created_at).total_seconds()
    wait = settings.AEWEB_QUEUED_RESEND_SECONDS
    if waited < wait:
        raise Conflict(
            f"Job {job.id} was queued {waited:.0f} s ago; a queued job can be sent again after {wait:.0f} s."
        )
    try:
        if str(job.id) not in job_ids_waiting():
            job_send(job=job)
            Job.objects.filter(id=job.id, status=JobStatus.QUEUED).update(message="Sent to its queue again.")
    except Exception as exc:
        logger.warning("broker unavailable for the re-send of job %s: %s", job.id, exc)
        raise ServiceUnavailable(BROKER_DOWN) from exc
    job.refresh_from_db()
    return job


# --- model registry -------------------------------------------------------------------------


def _slot_check(kind: str, slot: str) -> None:
    model_kind = registry.model_kind_get(kind)
    if model_kind is None:
        raise ValueError(f"model kind {kind!r} is not declared by any app contract")
    if slot not in model_kind.slots:
        raise ValueError(f"model kind {kind!r} has no slot {slot!r} (slots: {', '.join(model_kind.slots)})")


def model_version_create(
    *,
    kind: str,
    dataset: str,
    name: str,
    config: dict,
    metrics: dict,
    artifacts: dict,
    slot: str = registry.DEFAULT_SLOT,
    baselines: dict | None = None,
    history: list | None = None,
    job: Job | None = None,
    card: str = "",
    activate: bool = False,
    user=None,
) -> ModelVersion:
    """Register a new immutable version, numbered after the last one of its kind, data set and slot.

    With `activate`, the version also becomes the active one in the same transaction, so no
    reader sees a registered-but-not-yet-active state from a trainer that then crashed."""
    _slot_check(kind, slot)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                last = ModelVersion.objects.filter(kind=kind, dataset=dataset, slot=slot).aggregate(v=Max("version"))
                version = ModelVersion.objects.create(
                    kind=kind,
                    dataset=dataset,
                    slot=slot,
                    name=name,
                    version=(last["v"] or 0) + 1,
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
    """Point (kind, dataset, slot) at this version; readers see the old or the new one, never neither."""
    by = user if getattr(user, "is_authenticated", False) else None
    target = {"kind": model_version.kind, "dataset": model_version.dataset, "slot": model_version.slot}
    with transaction.atomic():
        active, _ = ActiveModel.objects.select_for_update().update_or_create(
            **target, defaults={"model_version": model_version, "activated_by": by}
        )
        Activation.objects.create(**target, model_version=model_version, activated_by=by)
    return active


def model_version_rollback(*, kind: str, dataset: str, slot: str = registry.DEFAULT_SLOT, user=None) -> ActiveModel:
    """Activate the version that was active before the current one."""
    if not ActiveModel.objects.filter(kind=kind, dataset=dataset, slot=slot).exists():
        raise Conflict(f"No active {kind} model for {dataset} ({slot}) to roll back from.")
    previous = model_version_previous_active(kind=kind, dataset=dataset, slot=slot)
    if previous is None:
        raise Conflict(f"No earlier {kind} model for {dataset} ({slot}) to roll back to.")
    return model_version_activate(model_version=previous, user=user)


def model_version_register_file(
    *,
    source: Path,
    sha256: str,
    relpath: str,
    kind: str,
    dataset: str,
    name: str,
    slot: str = registry.DEFAULT_SLOT,
    config: dict | None = None,
    metrics: dict | None = None,
    baselines: dict | None = None,
    history: list | None = None,
    card: str = "",
    activate: bool | None = None,
    artifact: str = "checkpoint",
    more: dict[str, tuple[Path, str]] | None = None,
) -> tuple[ModelVersion, bool]:
    """(version, created): a checkpoint shipped with the code, registered like a trained model.

    The file must match the sha256 its model card recorded; it is copied into the artifact
    folder (at `relpath`, as the version's `artifact`) so it is verified and loaded like any
    trained version. `more` ships the version's other files ({artifact: (file, sha256)}), each
    checked alike and copied beside it. The same file registered twice finds the first
    registration. `activate=None` activates it only when its slot has no active version yet
    (seed_demo never replaces a model someone chose).
    """
    for path, expected in [(source, sha256), *(more or {}).values()]:
        found = file_sha256(path)
        if found != expected:
            raise ValueError(f"{path}: sha256 {found} does not match the model card's {expected}")
    target = {"kind": kind, "dataset": dataset, "slot": slot}
    existing = next((v for v in ModelVersion.objects.filter(**target) if v.artifact_sha256(artifact) == sha256), None)
    created = existing is None
    with transaction.atomic():
        if existing is None:
            folder = relpath.rpartition("/")[0]
            files = {
                artifact: (source, relpath),
                **{k: (p, f"{folder}/{Path(p).name}") for k, (p, _) in (more or {}).items()},
            }
            artifacts = {
                key: artifact_write(rel, lambda path, src=src: shutil.copyfile(src, path))
                for key, (src, rel) in files.items()
            }
            existing = model_version_create(
                **target,
                name=name,
                config=config or {},
                metrics=metrics or {},
                baselines=baselines or {},
                history=history or [],
                artifacts=artifacts,
                card=card or f"shipped weights, sha256 {sha256}",
            )
        if activate or (activate is None and not ActiveModel.objects.filter(**target).exists()):
            model_version_activate(model_version=existing)
    return existing, created
