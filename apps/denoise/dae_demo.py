"""The worker side of the 28×28 demo (job `denoise.demo`): clean test images, the same with noise, and
what the demo autoencoder makes of them, as grey PNGs under MEDIA_ROOT/denoise-demo/<job id>/.

Idempotent: the images are chosen and the noise drawn from the seed fixed in the job's params,
and every file is named by the job and a position and written with `atomic_write`, so a
redelivered or retried job writes the same bytes to the same names; nothing is stored twice.
The contract imports this module in every process: torch is imported inside the handler only.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image

from apps.core.device import device_resolve
from apps.core.loading import model_loaded
from apps.core.ml.files import atomic_write
from apps.core.ml.image_datasets import dataset_class_names, dataset_load
from apps.core.models import ModelVersion
from apps.denoise.models import demo_folder

ROWS = ("clean", "noisy", "denoised")


def png_bytes(pixels: np.ndarray) -> bytes:
    """A grey 8-bit PNG; Pillow writes no time stamp, so the same pixels give the same bytes."""
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).save(out, format="PNG")
    return out.getvalue()


def _finite(value: float) -> float | None:
    # Identical images have an infinite PSNR, which JSON cannot hold.
    return value if math.isfinite(value) else None


def dae_demo_job(job, reporter) -> dict:
    from apps.core.ml.image_metrics import psnr_per_image
    from apps.denoise.ml.checkpoint import dae_load
    from apps.denoise.ml.dae import denoise_pairs_make

    p = job.params
    version = ModelVersion.objects.filter(id=p["model_version"]).first()
    if version is None:
        raise RuntimeError(f"model version {p['model_version']} has been deleted; start the demo again")
    count, seed = p["count"], p["seed"]
    reporter.update(progress=0.1, message=f"Denoising {count} noisy {version.dataset} test images")
    model = model_loaded(version, lambda path: dae_load(path, device_resolve()))
    images, labels = dataset_load(version.dataset, "test", data_dir=settings.AEWEB_DATA_DIR or None)
    chosen = np.sort(np.random.default_rng(seed).choice(images.shape[0], size=count, replace=False))
    clean = images[chosen]
    noise_std = p.get("noise_std") or model.config.noise_std
    noisy, denoised = denoise_pairs_make(model, clean, noise_std=noise_std, seed=seed)

    reporter.update(progress=0.7, message="Saving the PNGs")
    names = dataset_class_names(version.dataset)
    folder = demo_folder(job.id)
    entries = []
    for i in range(count):
        entry = {"position": i, "label": names[int(labels[chosen[i]])]}
        for row, pixels in zip(ROWS, (clean[i], noisy[i], denoised[i]), strict=True):
            relpath = f"{folder}/{i:02d}-{row}.png"
            atomic_write(Path(settings.MEDIA_ROOT) / relpath, png_bytes(pixels))
            entry[f"{row}_url"] = settings.MEDIA_URL + relpath
        entries.append(entry)
    return {
        "images": entries,
        "psnr_noisy": _finite(float(psnr_per_image(clean, noisy).mean())),
        "psnr_denoised": _finite(float(psnr_per_image(clean, denoised).mean())),
        "model_version": version.id,
        "dataset": version.dataset,
        "noise_std": float(noise_std),
        "seed": seed,
    }
