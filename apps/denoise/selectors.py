"""Reads for the denoise app: the models in use, one request, the latest 28×28 demo, the home card."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.core.errors import NotFound
from apps.core.models import Job, JobStatus, ModelVersion
from apps.core.registry import DEFAULT_SLOT
from apps.core.selectors import job_active, model_version_active
from apps.core.wording import count_noun
from apps.denoise.ml.config import DAE_DATASETS, PHOTO_DATASETS
from apps.denoise.models import DenoiseRequest

DENOISER_KIND = "denoiser"
DENOISER_SLOT = DEFAULT_SLOT
TRAIN_KIND = "train.denoiser"
IMAGE_KIND = "denoise.image"
DEMO_KIND = "denoise.demo"


def denoiser_active() -> ModelVersion | None:
    """The photo denoiser in use: the active version trained on Train400, else the one trained on the samples.

    Both are `denoiser` versions, one active pointer per data set. Train400 is preferred whenever it
    has one, whichever pointer moved last: a model trained on 400 photos beats one trained on the
    dozen sample images. The 28×28 demo autoencoders (`denoiser` versions too, on Fashion-MNIST or
    MNIST) are never the photo denoiser: they see 28×28 images only.
    """
    for dataset in PHOTO_DATASETS:
        version = model_version_active(kind=DENOISER_KIND, dataset=dataset, slot=DENOISER_SLOT)
        if version is not None:
            return version
    return None


def dae_active(dataset: str) -> ModelVersion | None:
    """The 28×28 demo autoencoder in use for `dataset` (fashion-mnist or mnist), or None."""
    if dataset not in DAE_DATASETS:
        return None
    return model_version_active(kind=DENOISER_KIND, dataset=dataset, slot=DENOISER_SLOT)


def dae_get(*, version_id) -> ModelVersion:
    """A 28×28 demo autoencoder by id (any version, active or not), or NotFound."""
    version = (
        ModelVersion.objects.filter(id=version_id, kind=DENOISER_KIND, dataset__in=DAE_DATASETS).first()
        if isinstance(version_id, int) and 0 < version_id < 2**63
        else None
    )
    if version is None:
        raise NotFound(f"No 28×28 denoising autoencoder with model version {version_id}.")
    return version


def dae_demo_latest(*, dataset: str | None = None) -> Job | None:
    """The last 28×28 demo job that succeeded (of a data set when given), or None."""
    jobs = Job.objects.filter(kind=DEMO_KIND, status=JobStatus.SUCCEEDED)
    if dataset:
        jobs = jobs.filter(params__dataset=dataset)
    return jobs.order_by("-finished_at").first()


def denoise_request_get(*, request_id) -> DenoiseRequest:
    found = DenoiseRequest.objects.select_related("job", "model_version").filter(id=request_id).first()
    if found is None or found.expires_at <= timezone.now():
        raise NotFound("No such denoising request (results are deleted after the retention time).")
    return found


def home_card() -> dict:
    from django.urls import reverse

    return {
        "title": "Denoising",
        "url": reverse("denoise:upload"),
        "description": "Upload a photo or pick a sample, add noise if you like, and get it back cleaned by a "
        "convolutional denoising autoencoder, with a before/after view and PSNR/SSIM.",
        "lines": home_card_lines(),
    }


def home_card_lines() -> list[str]:
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
    training = job_active(kind=TRAIN_KIND)
    if training is not None:
        lines.append(f"Training ({training.params.get('model') or 'unet'}): {training.status}, {training.progress:.0%}")
    recent = DenoiseRequest.objects.filter(created_at__gte=timezone.now() - timedelta(days=1)).count()
    lines.append(f"{count_noun(recent, 'image')} denoised in the last 24 hours")
    return lines
