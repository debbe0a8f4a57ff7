"""Thin Celery tasks: take an id, call a service."""

from __future__ import annotations

from celery import shared_task

from apps.core.dispatch import jobs_resend_lost
from apps.core.job_status import jobs_reap_stale
from apps.core.queues import JOB_RUN_TASK, JOBS_REAP_TASK, JOBS_RESEND_TASK
from apps.core.runner import handback_on_sigterm_install, job_execute


@shared_task(name=JOB_RUN_TASK, acks_late=True)
def job_run(job_id: str) -> None:
    handback_on_sigterm_install()  # in a pool process: SIGTERM hands the job back rather than losing it
    job_execute(job_id=job_id)


@shared_task(name=JOBS_REAP_TASK)
def jobs_reap() -> int:
    return jobs_reap_stale()


@shared_task(name=JOBS_RESEND_TASK)
def jobs_resend() -> int:
    return jobs_resend_lost()
