"""The worker side of `train denoiser`: the photo U-Net, or the 28×28 demo autoencoder (`--model dae`).

U-Net: Train400 patches (the sample images when Train400 is missing) → model → Set12 evaluation.
DAE: Fashion-MNIST or MNIST training split → model → PSNR on noisy test images.
The contract imports this module in every process: torch is imported inside the handlers only.
"""

from __future__ import annotations

import time

import numpy as np
from django.conf import settings

from apps.core.ml.image_datasets import dataset_load
from apps.core.training import TrainingRun
from apps.denoise.selectors import DENOISER_KIND
from apps.denoise.training_config import DAE_OPTIONS

EVAL_SIGMAS = (15, 25, 50)
# The loop logs every log_every steps (milliseconds apart on a GPU); the job row is written at most this often.
STEP_REPORT_SECONDS = 2.0
DAE_TEST_COUNT = 2000  # test images the DAE's test PSNR is measured on, unless test_count says otherwise


def denoiser_train_job(job, reporter) -> dict:
    """`train denoiser`: one job kind for both models, told apart by the validated params' model."""
    if job.params.get("model") == "dae":
        return dae_train_job(job, reporter)
    return unet_train_job(job, reporter)


# --- the photo U-Net ---------------------------------------------------------------------------


def training_images(dataset: str, channels: int):
    """(ImageDataset, slug actually used): Train400, or the sample images when it is missing."""
    from apps.core.ml.photos import dataset_load as photos_load
    from apps.core.ml.photos import samples_load

    mode = "L" if channels == 1 else "RGB"
    if dataset == "train400":
        found = photos_load("Train400", mode=mode, extra_dirs=_data_dirs())
        return found, "samples" if found.fallback else "train400"
    return samples_load(mode=mode), "samples"


def _data_dirs() -> tuple:
    return tuple(d for d in (settings.AEWEB_DATA_DIR, settings.AEWEB_CACHE_DIR) if d)


def set12_evaluate(model, device: str, progress=None) -> dict:
    """Mean PSNR/SSIM on Set12 at sigma 15/25/50 (fixed noise, unclipped: the usual protocol); {} without Set12."""
    from apps.core.ml.image_metrics import psnr, ssim
    from apps.core.ml.photos import dataset_dir, images_load
    from apps.denoise.ml.inference import image_denoise

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


def unet_train_job(job, reporter) -> dict:
    from apps.denoise.ml.checkpoint import denoiser_save
    from apps.denoise.ml.config import DenoiserConfig
    from apps.denoise.ml.train import denoiser_train

    run = TrainingRun(job, reporter, training="denoiser")
    config = DenoiserConfig.from_dict(run.settings)
    run.progress(0.01, "Loading the training images")
    data, dataset = training_images(run.dataset or "train400", config.channels)
    note = "" if dataset == run.dataset else f" (Train400 not found: {data.source})"
    on_epoch = run.epoch_reporter(
        0.02, 0.85, lambda e: f"epoch {e['epoch']}: loss {e['loss']:.5f}, val PSNR {e['psnr']:.2f} dB{note}"
    )
    on_log = _step_reporter(reporter, 0.02, 0.85, note)
    result = denoiser_train(data.images, config, device=run.device, on_epoch=on_epoch, on_log=on_log)
    run.progress(0.86, "Evaluating on Set12 at sigma 15, 25, 50")
    model = result.model(run.device)
    metrics = {
        **result.metrics,
        **set12_evaluate(model, run.device, lambda f: reporter.update(progress=0.86 + 0.1 * f)),
    }
    run.progress(0.97, "Saving the model")
    checkpoint = run.artifact_write(
        "denoiser.pt",
        lambda path: denoiser_save(path, result.state, config, metrics=metrics, history=result.history),
        dataset=dataset,
    )
    card = (
        f"Denoising U-Net ({metrics['parameters']:,} parameters) trained on {data.source} "
        f"({len(data.images)} images) with sigma in {config.sigma_min:g}..{config.sigma_max:g}, "
        f"{metrics['epochs_run']} epochs"
    )
    # Registered under the data set it learnt from: the samples when Train400 was missing.
    config_shown = {**config.to_dict(), "notes": result.notes}
    artifacts = {"checkpoint": checkpoint}
    return run.register(
        kind=DENOISER_KIND, dataset=dataset, config=config_shown, metrics=metrics, artifacts=artifacts, card=card
    )


def _step_reporter(reporter, start: float, end: float, note: str):
    """on_log for the training loop: progress and loss inside an epoch, so a long epoch shows life
    and a cancel takes effect within seconds (the report raises JobStopped)."""
    last = [time.monotonic()]

    def on_log(entry: dict) -> None:
        now = time.monotonic()
        if now - last[0] < STEP_REPORT_SECONDS:
            return
        last[0] = now
        reporter.update(
            progress=start + (end - start) * entry["step"] / max(1, entry["steps"]),
            message=f"epoch {entry['epoch']} of {entry['epochs']}, step {entry['step']:,} of {entry['steps']:,}: "
            f"loss {entry['loss']:.5f}{note}",
        )

    return on_log


# --- the 28×28 demo autoencoder ------------------------------------------------------------------


def dae_train_job(job, reporter) -> dict:
    """`train denoiser --model dae` (and `train vae --model dae`): evaluated by PSNR on noisy test images."""
    from apps.core.ml.image_metrics import psnr_per_image
    from apps.denoise.ml.checkpoint import dae_save
    from apps.denoise.ml.config import DaeConfig
    from apps.denoise.ml.dae import dae_train, denoise_pairs_make

    run = TrainingRun(job, reporter, training="denoiser", options=DAE_OPTIONS)
    config = DaeConfig.from_dict({**run.settings, "dataset": run.dataset})
    data_dir = settings.AEWEB_DATA_DIR or None
    run.progress(0.01, f"Loading {run.dataset} (training split)")
    images, _labels = dataset_load(run.dataset, "train", data_dir=data_dir)
    if run.options["train_count"]:
        images = images[: run.options["train_count"]]
    on_epoch = run.epoch_reporter(0.02, 0.87, _dae_epoch_describe)
    result = dae_train(images, config, device=run.device, on_epoch=on_epoch)

    run.progress(0.9, "Measuring PSNR on the test split")
    test, _ = dataset_load(run.dataset, "test", data_dir=data_dir)
    test = test[: run.options["test_count"] or DAE_TEST_COUNT]
    noisy, denoised = denoise_pairs_make(result.model_build(run.device), test, seed=0)
    metrics = {
        **result.metrics,
        "test_psnr": float(psnr_per_image(test, denoised).mean()),
        "test_psnr_noisy": float(psnr_per_image(test, noisy).mean()),
        "test_images": int(test.shape[0]),
    }
    run.progress(0.97, "Saving the model")
    checkpoint = run.artifact_write(
        "dae.pt", lambda path: dae_save(path, result.state, config, metrics=metrics, history=result.history)
    )
    card = (
        f"Denoising autoencoder (28×28) on {run.dataset} (noise std {config.noise_std}), "
        f"{metrics['train_images']} training images, {metrics['epochs_run']} epochs: test PSNR "
        f"{metrics['test_psnr']:.2f} dB vs {metrics['test_psnr_noisy']:.2f} dB noisy "
        f"on {metrics['test_images']} images"
    )
    artifacts = {"checkpoint": checkpoint}
    return run.register(kind=DENOISER_KIND, config=config, metrics=metrics, artifacts=artifacts, card=card)


def _dae_epoch_describe(entry: dict) -> str:
    psnr = f", val PSNR {entry['val_psnr']:.2f} dB" if "val_psnr" in entry else ""
    return f"epoch {entry['epoch']}/{entry['epochs']}: loss {entry['loss']:.5f}{psnr}"
