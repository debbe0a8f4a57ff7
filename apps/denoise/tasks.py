"""Thin Celery tasks: call a service."""

from celery import shared_task


@shared_task(name="apps.denoise.tasks.denoise_purge")
def denoise_purge() -> int:
    """Deletes uploads and results past the retention time (scheduled in CELERY_BEAT_SCHEDULE)."""
    from apps.denoise.services import denoise_requests_purge

    return denoise_requests_purge()
