"""Thin Celery tasks: call a service."""

from celery import shared_task


@shared_task(name="apps.inpaint.tasks.inpaint_purge")
def inpaint_purge() -> int:
    """Deletes requests and their files past the retention time (CELERY_BEAT_SCHEDULE)."""
    from apps.inpaint.services import inpaint_requests_purge

    return inpaint_requests_purge()
