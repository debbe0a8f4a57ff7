"""Thin Celery tasks: call a service."""

from celery import shared_task


@shared_task(name="apps.anomaly.tasks.anomaly_purge")
def anomaly_purge() -> int:
    """Deletes uploaded tables and series, their scores and models past the retention time (CELERY_BEAT_SCHEDULE)."""
    from apps.anomaly.services import anomaly_runs_purge

    return anomaly_runs_purge()
