"""Shared pieces of the gallery benchmarks (gallery_mnist, gallery_fashion, gallery_speed).

Not a benchmark itself: argument helpers, a timed training run, evaluation with standard
errors. The classifier whose features the Fréchet distance uses is apps.core.ml.image_classifier.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
# Burda, Grosse & Salakhutdinov (2015), "Importance Weighted Autoencoders", Table 1: one stochastic
# layer, dynamically binarised MNIST, test NLL estimated with k=5000 samples.
PUBLISHED_MNIST = {"VAE (k=1), Burda et al. 2015": 86.76, "IWAE (k=50), Burda et al. 2015": 84.78}


def threads_pin(threads: int) -> None:
    import torch

    torch.set_num_threads(max(1, threads))


def data_dir_resolve() -> str:
    """AEWEB_DATA_DIR, else the shared folder beside the repository (CI and benchmark layout)."""
    os.environ.setdefault("AEWEB_DATA_DIR", str(DEFAULT_DATA))
    return os.environ["AEWEB_DATA_DIR"]


def device_pick(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def device_describe(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(0)
    return f"CPU, {torch.get_num_threads()} torch thread(s)"


def subset_pick(total: int, count: int | None, seed: int) -> np.ndarray:
    """Sorted indices of a seeded random subset (all when count is None or ≥ total)."""
    if count is None or count >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size=count, replace=False))


def epoch_printer(tag: str):
    def on_epoch(entry: dict[str, Any]) -> None:
        shown = {k: round(v, 3) if isinstance(v, float) else v for k, v in entry.items()}
        print(f"[{tag}] {json.dumps(shown)}", file=sys.stderr, flush=True)

    return on_epoch


def vae_train_timed(images, labels, settings: dict[str, Any], *, device: str, tag: str, initial_state=None):
    """Train with vae_train (from `initial_state` when given), printing each epoch; returns the result
    (metrics hold seconds and epochs)."""
    from apps.core.ml.vae.config import VaeConfig
    from apps.core.ml.vae.train import vae_train

    config = VaeConfig.from_dict(settings)
    print(f"[{tag}] training {config.to_dict()} on {len(images)} images, device {device}", file=sys.stderr, flush=True)
    return vae_train(images, labels, config, device=device, on_epoch=epoch_printer(tag), initial_state=initial_state)


def evaluate_with_errors(model, images, labels=None, *, keep_per_image: bool = False, **kwargs) -> dict[str, Any]:
    """vae_evaluate plus the standard error of each mean over the test images (key `<name>_se`);
    keep_per_image: the per-image values too (key `per_image`), for paired comparisons."""
    from apps.gallery.ml.evaluate import vae_evaluate

    out = vae_evaluate(model, images, labels, per_image=True, **kwargs)
    per_image = out.pop("per_image")
    for key, values in per_image.items():
        out[f"{key}_se"] = mean_se(values)
    if keep_per_image:
        out["per_image"] = per_image
    return out


def mean_se(values: np.ndarray) -> float:
    """The standard error of the mean of these values (nan for fewer than two)."""
    return float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("nan")


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def table_make(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.start
