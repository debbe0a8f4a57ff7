"""Thin Celery tasks: call a service."""

from celery import shared_task


@shared_task(name="apps.segment.tasks.segment_purge")
def segment_purge() -> int:
    """Deletes requests and their files past the retention time (CELERY_BEAT_SCHEDULE)."""
    from apps.segment.services import segment_requests_purge

    return segment_requests_purge()
