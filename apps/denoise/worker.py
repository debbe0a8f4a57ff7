"""The worker side of one denoising request (torch through the ml package; workers only).

Idempotent in the Zulip-thumbnailer way: the request row is re-read, and a request whose
output already exists is answered from the row; files are written under a temporary name and
renamed, so a redelivered or retried job never leaves half a file behind.
"""

from __future__ import annotations

import time
import zlib
from pathlib import Path

import numpy as np

from apps.core.device import device_resolve
from apps.core.image_files import image_load, image_save
from apps.core.loading import model_loaded
from apps.core.media_requests import media_path
from apps.denoise.models import DenoiseRequest

TILE, OVERLAP, BATCH = 256, 32, 4  # 4 tiles of 256² per step: a few hundred MB whatever the image size


def model_get(version):
    """The version's model, loaded once per worker process (checked against its sha256 first)."""
    from apps.denoise.ml.checkpoint import denoiser_load

    return model_loaded(version, lambda path: denoiser_load(path, device_resolve()))


def denoise_image_job(job, reporter) -> dict:
    from apps.core.ml.image_metrics import psnr_rows, ssim_rows
    from apps.denoise.ml.inference import image_denoise
    from apps.denoise.ml.noise import noise_add_rows, noise_estimate

    # Found through the job, not its params: the job API is public, and the request's id is its only key.
    request = DenoiseRequest.objects.select_related("model_version").get(job=job)
    if request.output and media_path(request.output.name).exists():
        return _summary(request)
    started = time.monotonic()
    reporter.update(progress=0.02, message="Reading the image")
    clean = image_load(media_path(request.input.name))
    colours = clean.shape[2] - (clean.shape[2] in (2, 4)) if clean.ndim == 3 else 1
    version = request.model_version
    if version is None:
        raise RuntimeError("the model this request was queued for has been deleted; upload the image again")
    model = model_get(version)
    ext = Path(request.input.name).suffix
    fmt = request.output_format or "PNG"
    if request.sigma is not None:
        # Seeded by the request id: a retried job adds exactly the same noise.
        seed = zlib.crc32(request.id.bytes)
        noisy = noise_add_rows(clean, request.sigma, seed=seed, colours=colours)
        request.noisy.name = image_save(f"{request.folder}/noisy{ext}", noisy, fmt)
        request.psnr_noisy = _finite(psnr_rows(_colour(clean, colours), _colour(noisy, colours)))
        request.ssim_noisy = ssim_rows(_colour(clean, colours), _colour(noisy, colours))
    else:
        noisy = clean
    reporter.update(progress=0.08, message="Estimating the noise level")
    request.sigma_estimated = noise_estimate(noisy)
    sigma = request.sigma if request.sigma is not None else request.sigma_estimated
    height, width = noisy.shape[:2]

    how = ", 8 flips and turns" if request.self_ensemble else ""
    on_batch = reporter.span(0.1, 0.9, f"Denoising {width}×{height} at σ={sigma:.1f}{how}")
    device = device_resolve()
    out = image_denoise(
        model,
        noisy,
        sigma,
        tile=TILE,
        overlap=OVERLAP,
        batch=BATCH,
        device=device,
        progress=on_batch,
        self_ensemble=request.self_ensemble,
    )
    if request.sigma is not None:
        reporter.update(progress=0.92, message="Measuring PSNR and SSIM against the original")
        request.psnr = _finite(psnr_rows(_colour(clean, colours), _colour(out, colours)))
        request.ssim = ssim_rows(_colour(clean, colours), _colour(out, colours))
    del noisy, clean
    reporter.update(progress=0.96, message="Saving the result")
    request.output.name = image_save(f"{request.folder}/denoised{ext}", out, fmt)
    request.output_format = Path(request.output.name).suffix.lstrip(".").upper().replace("JPG", "JPEG")
    request.seconds = time.monotonic() - started
    request.save()
    return _summary(request)


def _finite(value: float) -> float | None:
    """PSNR of identical images is infinite (sigma 0): JSON has no infinity, so it is stored as null."""
    return value if np.isfinite(value) else None


def _colour(image: np.ndarray, colours: int) -> np.ndarray:
    """The colour planes only: alpha is passed through untouched, so it does not count in PSNR/SSIM."""
    return image[..., :colours] if image.ndim == 3 else image


def _summary(request: DenoiseRequest) -> dict:
    # No request id or file URLs here: job results are readable by anyone who has the job's id.
    return {
        "sigma": request.sigma,
        "sigma_estimated": request.sigma_estimated,
        "psnr": request.psnr,
        "ssim": request.ssim,
        "seconds": request.seconds,
    }
