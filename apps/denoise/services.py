"""Writes for the denoiser: a request (checked, stored, queued), purging expired ones, shipped weights."""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.artifacts import artifact_write, file_sha256
from apps.core.errors import Conflict, InvalidInput, ServiceUnavailable
from apps.core.models import ModelVersion
from apps.core.services import job_create, job_enqueue, model_version_activate, model_version_create
from apps.denoise.models import DenoiseRequest, request_folder
from apps.denoise.samples import SAMPLES, sample_path
from apps.denoise.selectors import DENOISER_KIND, IMAGE_KIND, denoiser_active
from apps.denoise.uploads import image_upload_check

logger = logging.getLogger(__name__)
SIGMA_MAX = 75.0


def _media_path(relpath: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relpath


def denoise_request_create(
    *, data: bytes | None = None, name: str = "", sample: str = "", sigma: float | None = None, user=None
) -> DenoiseRequest:
    """Check the image (upload bytes or a sample's name), store it and queue its denoising job.

    Every refusal (400 bad input, 409 no model, 503 broker down) leaves no row and no file behind.
    """
    if (data is None) == (not sample):
        raise InvalidInput("image", "send either an image file or the name of a sample, not both or neither")
    if sample:
        if sample not in SAMPLES:
            raise InvalidInput("sample", f"must be one of {', '.join(SAMPLES)}, not {sample!r}")
        data, name = sample_path(sample).read_bytes(), f"{sample}.png"
    if sigma is not None and not 0.0 <= float(sigma) <= SIGMA_MAX:
        raise InvalidInput("sigma", f"must be between 0 and {SIGMA_MAX:.0f}")
    checked = image_upload_check(
        data=data, max_bytes=settings.AEWEB_UPLOAD_MAX_BYTES, max_pixels=settings.AEWEB_UPLOAD_MAX_PIXELS
    )
    version = denoiser_active()
    if version is None:
        raise Conflict(
            "No denoising model is active yet. Train one (`manage.py train denoiser`, or the admin) and try again."
        )
    request_id = uuid.uuid4()
    relpath = f"{request_folder(request_id)}/input.{checked.extension}"
    folder = _media_path(request_folder(request_id))
    try:
        with transaction.atomic():
            # The request's id stays out of the job (its params and result are public): the worker
            # finds the request through its job.
            job = job_create(
                kind=IMAGE_KIND, params={"size": f"{checked.width}x{checked.height}"}, user=user, enqueue=False
            )
            request = DenoiseRequest.objects.create(
                id=request_id,
                job=job,
                model_version=version,
                input=relpath,
                sample=sample,
                original_name=(name or "")[:200],
                sigma=None if sigma is None else float(sigma),
                width=checked.width,
                height=checked.height,
                mode=checked.mode,
                format=checked.format,
                output_format=checked.stored_format,
                converted="; ".join(checked.converted)[:200],
                expires_at=timezone.now() + timedelta(hours=settings.AEWEB_DENOISE_RETENTION_HOURS),
            )
            folder.mkdir(parents=True, exist_ok=True)
            _media_path(relpath).write_bytes(checked.content)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        job_enqueue(job=job)
    except ServiceUnavailable:
        denoise_request_delete(request=request)
        raise
    return request


def denoise_request_delete(*, request: DenoiseRequest) -> None:
    """The row and its folder; the job row stays (it holds no image, only the request's id)."""
    shutil.rmtree(_media_path(request.folder), ignore_errors=True)
    request.delete()


def denoise_requests_purge(*, now=None) -> int:
    """Delete requests past the retention time (rows and files); returns how many.

    Older than AEWEB_DENOISE_RETENTION_HOURS as set now, or past their own expiry; folders no row
    points at (a crash between file and commit) go once they are as old.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.AEWEB_DENOISE_RETENTION_HOURS)
    expired = DenoiseRequest.objects.filter(created_at__lt=cutoff) | DenoiseRequest.objects.filter(expires_at__lte=now)
    count = 0
    for request in expired.distinct().iterator():
        denoise_request_delete(request=request)
        count += 1
    root = _media_path("denoise")
    if root.is_dir():
        known = {str(pk) for pk in DenoiseRequest.objects.values_list("id", flat=True)}
        for folder in root.iterdir():
            if folder.name not in known and folder.stat().st_mtime < cutoff.timestamp():
                shutil.rmtree(folder, ignore_errors=True)
    if count:
        logger.info("purged %d expired denoising request(s)", count)
    return count


# --- shipped weights --------------------------------------------------------------------------

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def denoiser_weights_register(*, folder: Path = WEIGHTS_DIR, activate: bool = True) -> ModelVersion | None:
    """Register committed weights (denoiser.pt + denoiser.json + MODEL_CARD.md) as a model version.

    The checkpoint's sha256 must match the one recorded at export; the file is copied into the
    artifact folder like any trained model. Returns None when there are no weights; an existing
    version with the same checksum is reused rather than registered twice.
    """
    checkpoint, meta_path = folder / "denoiser.pt", folder / "denoiser.json"
    if not (checkpoint.is_file() and meta_path.is_file()):
        return None
    meta = json.loads(meta_path.read_text())
    sha = file_sha256(checkpoint)
    if sha != meta["sha256"]:
        raise ValueError(f"{checkpoint}: sha256 {sha} does not match the model card's {meta['sha256']}")
    existing = next(
        (v for v in ModelVersion.objects.filter(kind=DENOISER_KIND) if v.artifact_sha256() == sha),
        None,
    )
    if existing is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        artifact = artifact_write(
            f"denoiser/{meta['dataset']}/shipped-{sha[:12]}-{stamp}/denoiser.pt",
            lambda path: shutil.copyfile(checkpoint, path),
        )
        card = folder / "MODEL_CARD.md"
        existing = model_version_create(
            kind=DENOISER_KIND,
            dataset=meta["dataset"],
            name=meta.get("name", "unet"),
            config={**meta.get("config", {}), "overrides": meta.get("overrides", {}), "shipped": True},
            metrics=meta.get("metrics", {}),
            history=meta.get("history", []),
            artifacts={"checkpoint": artifact},
            card=card.read_text() if card.is_file() else f"shipped weights, sha256 {sha}",
        )
    if activate:
        model_version_activate(model_version=existing)
    return existing
