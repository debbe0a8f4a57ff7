"""Reads for jobs and the model registry."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.core.models import ActiveModel, Job, JobStatus, ModelVersion
from apps.core.services import jobs_reap_stale


def job_get(job_id) -> Job:
    """One job, after failing it if its worker died (so a reader never sees a zombie)."""
    job = get_object_or_404(Job, id=job_id)
    if job.status == JobStatus.RUNNING and jobs_reap_stale(job_id=job.id):
        job.refresh_from_db()
    return job


def job_list(*, kind: str | None = None, status: str | None = None, limit: int = 50) -> QuerySet[Job]:
    jobs = Job.objects.all()
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    return jobs[:limit]


def job_eta_seconds(job: Job) -> float | None:
    """Remaining seconds, extrapolated from the time taken so far."""
    if job.status != JobStatus.RUNNING or not job.started_at or job.progress <= 0.0 or not job.heartbeat_at:
        return None
    elapsed = (job.heartbeat_at - job.started_at).total_seconds()
    return max(0.0, elapsed * (1.0 - job.progress) / job.progress)


def model_version_list(*, kind: str | None = None, dataset: str | None = None) -> QuerySet[ModelVersion]:
    versions = ModelVersion.objects.select_related("job")
    if kind:
        versions = versions.filter(kind=kind)
    if dataset:
        versions = versions.filter(dataset=dataset)
    return versions


def active_version_ids() -> set[int]:
    return set(ActiveModel.objects.values_list("model_version_id", flat=True))


def model_version_active(*, kind: str, dataset: str) -> ModelVersion | None:
    active = ActiveModel.objects.select_related("model_version").filter(kind=kind, dataset=dataset).first()
    return active.model_version if active else None
