"""Writes for the denoise app: a request (checked, stored, queued), the 28×28 demo job, purging what has
expired, shipped weights."""

from __future__ import annotations

import json
import logging
import shutil
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from apps.core.errors import Conflict, InvalidInput
from apps.core.image_upload_check import image_upload_check
from apps.core.media_requests import (
    media_expiry,
    media_path,
    media_request_delete,
    media_request_store,
    media_requests_purge,
)
from apps.core.models import Job, ModelVersion
from apps.core.photo_samples import SAMPLES, sample_path
from apps.core.rate_limits import pixel_budget_take
from apps.core.services import job_create, model_version_register_file
from apps.denoise.ml.config import DAE_DATASETS, SELF_ENSEMBLE_PASSES, SIGMA_MAX
from apps.denoise.models import DEMO_MEDIA, DenoiseRequest
from apps.denoise.selectors import DEMO_KIND, DENOISER_KIND, DENOISER_SLOT, IMAGE_KIND, dae_demo_latest, denoiser_active

logger = logging.getLogger(__name__)


def denoise_request_create(
    *,
    data: bytes | None = None,
    name: str = "",
    sample: str = "",
    sigma: float | None = None,
    self_ensemble: bool = False,
    user=None,
    client: str = "",
) -> DenoiseRequest:
    """Check the image (upload bytes or a sample's name), store it and queue its denoising job.

    `client` (apps.core.throttling.client_ident) pays the image's pixels from its hourly budget,
    checked once the image is known good and before anything is stored; a refusal or a failure
    after it gives them back. Every refusal (400 bad input, 409 no model, 429 over the pixel budget,
    503 broker down) leaves no row and no file behind.
    """
    if (data is None) == (not sample):
        raise InvalidInput("image", "send either an image file or the name of a sample, not both or neither")
    if sample:
        if sample not in SAMPLES:
            raise InvalidInput("sample", f"must be one of {', '.join(SAMPLES)}, not {sample!r}")
        data, name = sample_path(sample).read_bytes(), f"{sample}.png"
    if sigma is not None and not 0.0 <= float(sigma) <= SIGMA_MAX:
        raise InvalidInput("sigma", f"must be between 0 and {SIGMA_MAX:g}")
    if not isinstance(self_ensemble, bool):
        raise InvalidInput("self_ensemble", f"must be true or false, not {self_ensemble!r}")
    checked = image_upload_check(
        data=data, max_bytes=settings.AEWEB_UPLOAD_MAX_BYTES, max_pixels=settings.AEWEB_UPLOAD_MAX_PIXELS
    )
    version = denoiser_active()
    if version is None:
        raise Conflict(
            "No denoising model is active yet. Train one (`manage.py train denoiser`, or the admin) and try again."
        )
    charge = pixel_budget_take(
        client=client,
        width=checked.width,
        height=checked.height,
        done="denoised",
        # the self-ensemble runs the model over the flips and turns of the image: that many times the work
        passes=SELF_ENSEMBLE_PASSES if self_ensemble else 1,
        why=f"“Best quality”, which runs the model {SELF_ENSEMBLE_PASSES} times",
    )
    try:
        return _denoise_request_store(
            checked=checked,
            version=version,
            name=name,
            sample=sample,
            sigma=sigma,
            self_ensemble=self_ensemble,
            user=user,
        )
    except BaseException:
        charge.refund()
        raise


def _denoise_request_store(
    *, checked, version, name: str, sample: str, sigma, self_ensemble: bool, user
) -> DenoiseRequest:
    request_id = uuid.uuid4()
    relpath = f"{DenoiseRequest.folder_of(request_id)}/input.{checked.extension}"

    def create(job) -> DenoiseRequest:
        return DenoiseRequest.objects.create(
            id=request_id,
            job=job,
            model_version=version,
            input=relpath,
            sample=sample,
            sigma=None if sigma is None else float(sigma),
            self_ensemble=self_ensemble,
            output_format=checked.stored_format,
            **DenoiseRequest.image_fields(checked, name),
            expires_at=media_expiry(settings.AEWEB_DENOISE_RETENTION_HOURS),
        )

    return media_request_store(
        folder=DenoiseRequest.folder_of(request_id),
        files={relpath: checked.content},
        job_kind=IMAGE_KIND,
        job_params={"size": f"{checked.width}x{checked.height}", **({"self_ensemble": True} if self_ensemble else {})},
        create=create,
        user=user,
    )


def denoise_request_delete(*, request: DenoiseRequest) -> None:
    """The row and its folder; the job row stays (it holds no image, only the request's id)."""
    media_request_delete(row=request)


def denoise_requests_purge(*, now=None) -> int:
    """Delete requests past the retention time (rows and files); returns how many.

    Older than AEWEB_DENOISE_RETENTION_HOURS as set now, or past their own expiry; folders no row
    points at (a crash between file and commit) go once they are as old.
    """
    return media_requests_purge(
        model=DenoiseRequest, root="denoise", hours=settings.AEWEB_DENOISE_RETENTION_HOURS, now=now
    )


# --- the 28×28 demo ---------------------------------------------------------------------------


def dae_demo_start(
    *,
    dataset: str = "",
    count: int | None = None,
    noise_std: float | None = None,
    seed: int | None = None,
    user=None,
) -> Job:
    """Queue the 28×28 demo: `count` noisy test images of `dataset` through its active demo autoencoder.

    The job's validator checks every field (InvalidInput naming it), draws the seed when none is
    given and picks the model (a Conflict saying how to train one when there is none), all before
    anything is stored.
    """
    given = {"dataset": dataset, "count": count, "noise_std": noise_std, "seed": seed}
    return job_create(kind=DEMO_KIND, params={k: v for k, v in given.items() if v not in (None, "")}, user=user)


def dae_demos_purge(*, now=None) -> int:
    """Delete the demo PNG folders older than the retention time, except each data set's latest demo
    (the upload page shows it); returns how many folders went."""
    now = now or timezone.now()
    cutoff = (now - timedelta(hours=settings.AEWEB_DENOISE_RETENTION_HOURS)).timestamp()
    root = media_path(DEMO_MEDIA)
    if not root.is_dir():
        return 0
    keep = {str(job.id) for job in (dae_demo_latest(dataset=d) for d in DAE_DATASETS) if job is not None}
    count = 0
    for folder in root.iterdir():
        if folder.name not in keep and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            count += 1
    return count


# --- shipped weights --------------------------------------------------------------------------

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def denoiser_weights_register(*, folder: Path = WEIGHTS_DIR, activate: bool | None = None) -> ModelVersion | None:
    """Register committed weights (denoiser.pt + denoiser.json + MODEL_CARD.md) as a model version.

    denoiser.json is what `denoise_export_weights` wrote: the data set, config, metrics and the
    checkpoint's sha256. The checking, copying and activating are core's `model_version_register_file`:
    the same file is registered once, and `activate=None` makes it active only where its data set
    has no active photo denoiser yet. Returns None when the folder holds no weights.
    """
    checkpoint, meta_path = folder / "denoiser.pt", folder / "denoiser.json"
    if not (checkpoint.is_file() and meta_path.is_file()):
        return None
    meta = json.loads(meta_path.read_text())
    card = folder / "MODEL_CARD.md"
    version, _created = model_version_register_file(
        source=checkpoint,
        sha256=meta["sha256"],
        relpath=f"denoiser/{meta['dataset']}/shipped-{meta['sha256'][:12]}/denoiser.pt",
        kind=DENOISER_KIND,
        slot=DENOISER_SLOT,
        dataset=meta["dataset"],
        name=meta.get("name", "unet"),
        config={**meta.get("config", {}), "overrides": meta.get("overrides", {}), "shipped": True},
        metrics=meta.get("metrics", {}),
        history=meta.get("history", []),
        card=card.read_text() if card.is_file() else "",
        activate=activate,
    )
    return version
