"""Reads for the denoiser: the active model, one request, the home card."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.exceptions import NotFound

from apps.core.models import ActiveModel, JobStatus, ModelVersion
from apps.denoise.models import DenoiseRequest

DENOISER_KIND = "denoiser"
TRAIN_KIND = "train.denoiser"
IMAGE_KIND = "denoise.image"


def denoiser_active() -> ModelVersion | None:
    """The denoiser in use: of the active pointers (one per training data set), the last moved."""
    active = (
        ActiveModel.objects.filter(kind=DENOISER_KIND).select_related("model_version").order_by("-activated_at").first()
    )
    return active.model_version if active else None


def denoise_request_get(*, request_id) -> DenoiseRequest:
    found = DenoiseRequest.objects.select_related("job", "model_version").filter(id=request_id).first()
    if found is None or found.expires_at <= timezone.now():
        raise NotFound("No such denoising request (results are deleted after the retention time).")
    return found


def home_card_lines() -> list[str]:
    from apps.core.models import Job

    lines = []
    version = denoiser_active()
    if version is None:
        lines.append("No denoising model yet: run `manage.py train denoiser` or `seed_demo`.")
    else:
        line = f"Model: {version.name} v{version.version} trained on {version.dataset}"
        psnr25 = version.metrics.get("set12_psnr_sigma25")
        if psnr25 is not None:
            line += f"; Set12 σ=25: {psnr25:.2f} dB PSNR"
        lines.append(line)
    training = Job.objects.filter(kind=TRAIN_KIND, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first()
    if training is not None:
        lines.append(f"Training: {training.status}, {training.progress:.0%}")
    recent = DenoiseRequest.objects.filter(created_at__gte=timezone.now() - timedelta(days=1)).count()
    lines.append(f"{recent} image(s) denoised in the last 24 hours")
    return lines
