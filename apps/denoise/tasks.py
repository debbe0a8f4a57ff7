"""Thin Celery tasks: call a service."""

from celery import shared_task


@shared_task(name="apps.denoise.tasks.denoise_purge")
def denoise_purge() -> int:
    """Deletes uploads, results and old 28×28 demos past the retention time (scheduled in CELERY_BEAT_SCHEDULE)."""
    from apps.denoise.services import dae_demos_purge, denoise_requests_purge

    return denoise_requests_purge() + dae_demos_purge()
