"""The worker side of `train denoiser`: Train400 patches → model → Set12 evaluation → artifact.

Imported only by workers (and `train --sync`): it uses torch through the ml package.
"""

from __future__ import annotations

import numpy as np
from django.conf import settings

from apps.core.artifacts import artifact_write
from apps.core.device import device_resolve
from apps.core.services import model_version_create
from apps.denoise.selectors import DENOISER_KIND

EVAL_SIGMAS = (15, 25, 50)


def training_images(dataset: str, channels: int):
    """(ImageDataset, slug actually used): Train400, or the sample images when it is missing."""
    from apps.denoise.ml.images import dataset_load, samples_load

    mode = "L" if channels == 1 else "RGB"
    if dataset == "train400":
        found = dataset_load("Train400", mode=mode, extra_dirs=_data_dirs())
        if not found.fallback:
            return found, "train400"
        return found, "samples"
    return samples_load(mode=mode), "samples"


def _data_dirs() -> tuple:
    return tuple(d for d in (settings.AEWEB_DATA_DIR, settings.AEWEB_CACHE_DIR) if d)


def set12_evaluate(model, device: str, progress=None) -> dict:
    """Mean PSNR/SSIM on Set12 at sigma 15/25/50 (fixed noise, unclipped: the usual protocol); {} without Set12."""
    from apps.denoise.ml.images import dataset_dir, images_load
    from apps.denoise.ml.inference import image_denoise
    from apps.denoise.ml.metrics import psnr, ssim

    folder = dataset_dir("Set12", _data_dirs())
    if folder is None:
        return {}
    images = [im.astype(np.float32) / 255.0 for im in images_load(folder, mode="L")]
    metrics = {}
    for i, sigma in enumerate(EVAL_SIGMAS):
        rng = np.random.default_rng(1000 + sigma)
        scores = []
        for clean in images:
            noisy = clean + rng.normal(0, sigma / 255.0, clean.shape).astype(np.float32)
            out = image_denoise(model, noisy, sigma, tile=None, device=device, data_range=1.0)
            scores.append((psnr(clean, out, 1.0), ssim(clean, out, 1.0)))
        metrics[f"set12_psnr_sigma{sigma}"] = float(np.mean([s[0] for s in scores]))
        metrics[f"set12_ssim_sigma{sigma}"] = float(np.mean([s[1] for s in scores]))
        if progress is not None:
            progress((i + 1) / len(EVAL_SIGMAS))
    return metrics


def denoiser_train_job(job, reporter) -> dict:
    from apps.denoise.ml.checkpoint import denoiser_save
    from apps.denoise.ml.config import DenoiserConfig
    from apps.denoise.ml.train import denoiser_train

    overrides = dict(job.params.get("config") or {})
    activate = bool(overrides.pop("activate", True))
    config = DenoiserConfig.from_dict(overrides)
    reporter.update(progress=0.01, message="Loading the training images")
    data, dataset = training_images(job.params.get("dataset") or "train400", config.channels)
    note = "" if dataset == job.params.get("dataset") else f" (Train400 not found: {data.source})"

    def on_epoch(entry: dict) -> None:
        fraction = entry["epoch"] / max(1, entry.get("epochs") or 1)
        reporter.update(
            progress=0.02 + 0.83 * fraction,
            message=f"epoch {entry['epoch']}: loss {entry['loss']:.5f}, val PSNR {entry['psnr']:.2f} dB{note}",
            epoch=entry,
        )

    device = device_resolve()
    result = denoiser_train(data.images, config, device=device, on_epoch=on_epoch)
    reporter.update(progress=0.86, message="Evaluating on Set12 at sigma 15, 25, 50")
    model = result.model(device)
    metrics = {
        **result.metrics,
        **set12_evaluate(model, device, lambda f: reporter.update(progress=0.86 + 0.1 * f)),
    }
    reporter.update(progress=0.97, message="Saving the model")
    checkpoint = artifact_write(
        f"denoiser/{dataset}/{job.id}/denoiser.pt",
        lambda path: denoiser_save(path, result.state, config, metrics=metrics, history=result.history),
    )
    command = "manage.py train denoiser --dataset " + dataset + "".join(f" --set {k}={v}" for k, v in overrides.items())
    version = model_version_create(
        kind=DENOISER_KIND,
        dataset=dataset,
        name=job.params.get("model") or "unet",
        config={**config.to_dict(), "overrides": overrides, "device": device, "notes": result.notes},
        metrics=metrics,
        history=result.history,
        artifacts={"checkpoint": checkpoint},
        job=job,
        card=(
            f"Denoising U-Net ({metrics['parameters']:,} parameters) trained on {data.source} "
            f"({len(data.images)} images) with sigma in {config.sigma_min:g}..{config.sigma_max:g}, "
            f"{metrics['epochs_run']} epochs on {device}; reproduce: {command}"
        ),
        activate=activate,
        user=job.created_by,
    )
    return {"model_version": version.id, "version": version.version, "metrics": metrics, "activated": activate}
