"""Thin Celery tasks: take an id, call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="apps.core.tasks.job_run", acks_late=True)
def job_run(job_id: str) -> None:
    from apps.core.runner import job_execute

    job_execute(job_id=job_id)


@shared_task(name="apps.core.tasks.jobs_reap")
def jobs_reap() -> int:
    from apps.core.services import jobs_reap_stale

    return jobs_reap_stale()
