"""One training run of an inpainter as `train inpainter` and the export script both do it: load the data,
train within the time budget, evaluate the model and every baseline on the same images and masks.

No Django: the job (apps/inpaint/training.py) and `python -m apps.inpaint.ml.export` call
`inpainter_run` with their own progress callbacks, so shipped weights come from the same path.
Metrics are flat ("centre_psnr", "set12_cov25_psnr", …); baselines {name: the same keys}.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .baselines import PcaBasis, pca_fit
from .config import ITEM_DATASETS, InpainterConfig
from .data import colour_samples_load, items_load, photos_train_load, set12_load
from .evaluate import ITEM_TEST_COUNT, items_evaluate, photos_evaluate
from .train import TrainResult, inpainter_train

Status = Callable[[float, str], None]  # (progress 0..1, message)
SCORE_KEYS = ("psnr", "ssim", "ssim7", "psnr_masked", "ms_per_image")


@dataclass
class RunResult:
    model: object
    config: InpainterConfig
    dataset: str
    source: str
    metrics: dict
    baselines: dict
    history: list = field(default_factory=list)
    pca: PcaBasis | None = None


def _flatten(scores: dict, prefix: str = "") -> dict:
    """{"centre": {"psnr": …}} → {"centre_psnr": …}."""
    return {
        f"{prefix}{protocol}_{key}": value
        for protocol, row in scores.items()
        for key, value in row.items()
        if key in SCORE_KEYS
    }


def inpainter_run(
    dataset: str,
    config: InpainterConfig,
    *,
    device: str = "cpu",
    data_dir: str | Path | None = None,
    status: Status | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    test_count: int = ITEM_TEST_COUNT,
    baselines: Sequence[str] | None = None,
    trained: Callable[[object], None] | None = None,
    model=None,
) -> RunResult:
    """Train `config` on `dataset` and evaluate it beside the baselines.

    `trained(model)` is called as soon as training ends (the export script saves it before the
    evaluation); `model` given: no training, that model is evaluated (re-exporting a checkpoint).
    """

    def say(fraction: float, message: str) -> None:
        if status is not None:
            status(fraction, message)

    dirs = tuple(d for d in (data_dir,) if d)
    if dataset in ITEM_DATASETS:
        say(0.01, f"Loading {dataset}")
        train = items_load(dataset, "train", data_dir)
        test = items_load(dataset, "test", data_dir)[:test_count]
        result = _train(train, config, device, on_epoch, trained, model)
        say(0.86, "Fitting the PCA-64 baseline")
        pca = pca_fit(train[: config.train_count] if config.train_count else train)
        say(0.88, f"Evaluating the model and the baselines on {len(test)} test images")
        scores = items_evaluate(
            result.model,
            test,
            pca=pca,
            device=device,
            baselines=baselines,
            progress=lambda f: say(0.88 + 0.08 * f, "Evaluating"),
        )
        metrics = {**result.metrics, **_flatten(scores["model"]), "test_images": int(len(test))}
        base = {name: _flatten(rows) for name, rows in scores["baselines"].items()}
        return RunResult(result.model, config, dataset, dataset, metrics, base, result.history, pca)

    say(0.01, "Loading the training photos")
    train, source, fallback = photos_train_load(dirs)
    result = _train(train, config, device, on_epoch, trained, model)
    # Registered as train400 even on the fallback (the page asks for the train400 model); the metrics say
    # what it really learnt from.
    metrics, base = {**result.metrics, "train_source": source, "train_fallback": bool(fallback)}, {}
    names = tuple(baselines) if baselines is not None else ("telea", "navier_stokes", "biharmonic")
    sets = [("set12", set12_load(dirs)), ("colour", colour_samples_load()[0])]
    for i, (label, images) in enumerate(sets):
        if not images:
            continue
        say(0.86 + 0.05 * i, f"Evaluating on {label} with free-form masks (10, 25, 40 %)")
        started = time.perf_counter()
        scores = photos_evaluate(result.model, images, device=device, baselines=names)
        metrics.update(_flatten(scores["model"], f"{label}_"))
        metrics[f"{label}_images"] = len(images)
        metrics[f"{label}_eval_seconds"] = round(time.perf_counter() - started, 1)
        for name, rows in scores["baselines"].items():
            base.setdefault(name, {}).update(_flatten(rows, f"{label}_"))
    return RunResult(result.model, config, dataset, source, metrics, base, result.history)


def _train(data, config, device, on_epoch, trained, model):
    if model is not None:
        return TrainResult(
            model,
            list(getattr(model, "history", [])),
            {k: v for k, v in getattr(model, "metrics", {}).items() if k in TRAIN_KEYS},
        )
    result = inpainter_train(data, config, device=device, on_epoch=on_epoch)
    if trained is not None:
        trained(result.model)
    return result


TRAIN_KEYS = ("parameters", "epochs_run", "steps", "train_seconds", "train_images", "images_seen", "patches_seen")


def best_baseline(baselines: dict, key: str) -> tuple[str, float]:
    """(name, value) of the baseline with the highest `key`."""
    found = [(name, rows[key]) for name, rows in baselines.items() if key in rows and np.isfinite(rows[key])]
    return max(found, key=lambda item: item[1]) if found else ("", float("nan"))
