"""Requests whose files live under MEDIA_ROOT/<app>/<uuid>/ for a retention time: denoising, inpainting,
segmentation, anomaly runs.

The row is the truth; its folder holds the upload and what the worker made of it. Storing is all or nothing:
the job (not yet sent), the row and the files are made together, and a failure on the way — a database
error, a full disk, the broker down when the job is sent — leaves no row and no folder behind. Purging
deletes rows past their time with their folders, and folders no row points at (a crash between the files
and the commit) once they are as old.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.errors import ServiceUnavailable
from apps.core.models import Job
from apps.core.services import job_create, job_enqueue

logger = logging.getLogger(__name__)


def media_path(relpath: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relpath


def media_expiry(hours: float):
    """When a request made now expires."""
    return timezone.now() + timedelta(hours=hours)


def media_request_store(
    *,
    folder: str,
    files: Mapping[str, bytes],
    job_kind: str,
    job_params: dict[str, Any],
    create: Callable[[Job], Any],
    user=None,
) -> Any:
    """Make the job (unsent), the row (`create(job)`) and the files ({relpath under MEDIA_ROOT: bytes}) in one
    go, then send the job; returns the row.

    The job's params are public (the job API): keep the row's id and anything private out of them — the worker
    finds the row through its job. The broker down (ServiceUnavailable, a 503) deletes the row and the folder
    before it is raised again, so nothing is left of a refused request.
    """
    root = media_path(folder)
    try:
        with transaction.atomic():
            job = job_create(kind=job_kind, params=job_params, user=user, enqueue=False)
            row = create(job)
            root.mkdir(parents=True, exist_ok=True)
            for relpath, data in files.items():
                media_path(relpath).write_bytes(data)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        job_enqueue(job=job)
    except ServiceUnavailable:
        media_request_delete(row=row)
        raise
    return row


def media_request_delete(*, row) -> None:
    """The row and its folder; the job row stays (it holds no file, only the request's counts)."""
    shutil.rmtree(media_path(row.folder), ignore_errors=True)
    row.delete()


def media_requests_purge(*, model, root: str, hours: float, now=None) -> int:
    """Delete `model`'s rows older than `hours` (as set now) or past their own `expires_at`, with their
    folders, and folders under MEDIA_ROOT/`root` that no row points at once they are as old; returns how
    many rows went."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=hours)
    expired = model.objects.filter(created_at__lt=cutoff) | model.objects.filter(expires_at__lte=now)
    count = 0
    for row in expired.distinct().iterator():
        media_request_delete(row=row)
        count += 1
    folder = media_path(root)
    if folder.is_dir():
        known = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
        for child in folder.iterdir():
            if child.name not in known and child.stat().st_mtime < cutoff.timestamp():
                shutil.rmtree(child, ignore_errors=True)
    if count:
        logger.info("purged %d expired %s row(s)", count, model._meta.verbose_name)
    return count
