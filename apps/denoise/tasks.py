from celery import shared_task


@shared_task(name="apps.denoise.tasks.denoise_purge")
def denoise_purge() -> None:
    """Deletes uploads and results past the retention time (filled in with the denoise app)."""
