"""The worker side of one inpainting request (torch through the ml package; workers only).

Idempotent in the Zulip-thumbnailer way: the request row is re-read, and a request whose output
already exists is answered from the row; files are written under a temporary name and renamed, so a
redelivered or retried job never leaves half a file behind. The model fills the hole, then every
baseline that applies fills the same hole of the same image, and all are scored against the input
(the original is always known here: the hole was cut out of it).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
from PIL import Image

from apps.core.device import device_resolve
from apps.core.image_files import image_load, image_save
from apps.core.loading import model_loaded
from apps.core.media_requests import media_path as _media
from apps.inpaint.models import InpaintRequest

PCA_ARTIFACT = "pca"
# Biharmonic inpainting solves a sparse system per hole: about 10 s for a 1-megapixel photo with 40 % missing
# on a busy 2-core CPU, and it grows faster than the pixel count. Above this size it is left out (and the page
# says so) rather than keeping an interactive job busy for minutes.
BASELINE_MAX_PIXELS = {"biharmonic": 4_000_000}


def model_get(version):
    """The version's model, loaded once per worker process (checked against its sha256 first)."""
    from apps.inpaint.ml.checkpoint import inpainter_load

    try:
        return model_loaded(version, lambda path: inpainter_load(path, device_resolve()))
    except FileNotFoundError:
        raise
    except Exception as exc:  # a damaged or foreign checkpoint: the job fails saying which model and why
        raise RuntimeError(f"the inpainting model {version.name} v{version.version} ({version.dataset}) could "
                           f"not be loaded: {type(exc).__name__}: {exc}"[:400]) from exc  # fmt: skip


def pca_get(version, model):
    """The items model's PCA-64 basis for the pca64 baseline: the version's "pca" artifact when it has one, else
    the basis its checkpoint carries (`model.pca`); None for a photo model."""
    from apps.inpaint.ml.baselines import pca_load

    if PCA_ARTIFACT in (version.artifacts or {}):
        return model_loaded(version, pca_load, artifact=PCA_ARTIFACT, purpose="pca")
    return getattr(model, "pca", None)


def png_save(relpath: str, image: np.ndarray) -> str:
    """PNG whatever the upload's format: the fill is measured in it, so it must be lossless."""
    return image_save(relpath, image, "PNG")


def mask_load(path: Path) -> np.ndarray:
    """The stored mask (8-bit grey PNG, 255 = fill) as bool H×W."""
    with Image.open(path) as im:
        return np.asarray(im.convert("L")) > 127


def masked_view(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The input with its hole shown as a grey checkerboard (opaque), so a visitor sees what is missing."""
    height, width = mask.shape
    block = max(2, round(min(height, width) / 40))
    yy, xx = np.mgrid[0:height, 0:width]
    checker = np.where(((yy // block) + (xx // block)) % 2 == 0, 104, 152).astype(np.uint8)
    out = image.copy()
    if out.ndim == 2:
        out[mask] = checker[mask]
    else:
        colours = out.shape[2] - (out.shape[2] in (2, 4))
        out[..., :colours][mask] = checker[mask][:, None]
        if colours < out.shape[2]:
            out[..., colours][mask] = 255
    return out


def _finite(value) -> float | None:
    """Identical images have an infinite PSNR: JSON has no infinity, so it is stored as null."""
    return float(value) if value is not None and math.isfinite(value) else None


def _scores(raw: dict) -> dict:
    return {key: _finite(raw.get(key)) for key in ("psnr", "ssim", "psnr_masked")}


def inpaint_image_job(job, reporter) -> dict:
    from apps.inpaint.ml.baselines import baseline_inpaint, baselines_for
    from apps.inpaint.ml.inference import image_inpaint
    from apps.inpaint.ml.metrics import inpaint_scores

    # Found through the job, not its params: the job API is public, and the request's id is its only key.
    request = InpaintRequest.objects.select_related("model_version").get(job=job)
    if request.output and _media(request.output.name).exists():
        return _summary(request)
    started = time.monotonic()
    reporter.update(progress=0.02, message="Reading the image and its mask")
    image = image_load(_media(request.input.name))
    mask = mask_load(_media(request.mask.name))
    if mask.shape != image.shape[:2]:
        raise RuntimeError(f"the stored mask is {mask.shape[1]}×{mask.shape[0]}, the image {request.width}×"
                           f"{request.height}; send the request again")  # fmt: skip
    version = request.model_version
    if version is None:
        raise RuntimeError("the model this request was queued for has been deleted; send the image again")
    request.masked.name = png_save(f"{request.folder}/masked.png", masked_view(image, mask))
    model = model_get(version)
    height, width = mask.shape

    on_batch = reporter.span(0.05, 0.7, f"Filling {width}×{height} with {version.name}")

    out = image_inpaint(model, image, mask, device=device_resolve(), progress=on_batch)
    request.psnr, request.ssim, request.psnr_masked = _scores(inpaint_scores(image, out, mask)).values()
    output = png_save(f"{request.folder}/filled.png", out)
    del out

    pca = pca_get(version, model)
    pixels = height * width
    names = baselines_for(image, pca_available=pca is not None)
    skipped = [name for name in names if pixels > BASELINE_MAX_PIXELS.get(name, pixels)]
    names = [name for name in names if name not in skipped]
    baselines, files = {}, {}
    for k, name in enumerate(names):
        reporter.update(progress=0.72 + 0.24 * k / max(1, len(names)), message=f"Baseline: {name}")
        filled = baseline_inpaint(name, image, mask, pca=pca if name == "pca64" else None)
        baselines[name] = _scores(inpaint_scores(image, filled, mask))
        files[name] = png_save(f"{request.folder}/baseline-{name}.png", filled)
    reporter.update(progress=0.98, message="Saving the result")
    request.baselines, request.baselines_files, request.baselines_skipped = baselines, files, skipped
    request.output.name = output  # last: a row with an output is a finished one
    request.seconds = time.monotonic() - started
    request.save()
    return _summary(request)


def _summary(request: InpaintRequest) -> dict:
    # No request id or file URLs here: job results are readable by anyone who has the job's id.
    return {
        "mask": request.mask_kind,
        "coverage": request.coverage,
        "psnr": request.psnr,
        "ssim": request.ssim,
        "psnr_masked": request.psnr_masked,
        "baselines": request.baselines,
        "baselines_skipped": request.baselines_skipped,
        "seconds": request.seconds,
    }
