"""Shared pieces of the representations benchmarks (representations_*.py). Not a benchmark itself.

Every script takes --dataset, --device (auto|cpu|cuda) and --budget (seconds of training per model),
so the same run repeats on a GPU machine with a larger budget; the docs section states the budget.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.gallery_common import data_dir_resolve, device_describe, device_pick, fmt, table_make, threads_pin

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"

__all__ = ["ROOT", "FIGURES", "device_describe", "fmt", "table_make", "Clock", "parser_make", "setup", "data_load",
           "train_timed", "pct", "figure_path", "settings_budget", "pyplot_get", "grid_save",
           "load_describe"]  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.start


def parser_make(doc: str, *, budget: float, dataset: str = "fashion-mnist") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=dataset, choices=("fashion-mnist", "mnist"))
    parser.add_argument("--budget", type=float, default=budget, help="training seconds per model")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0)
    return parser


def setup(args: argparse.Namespace) -> str:
    threads_pin(args.threads)
    data_dir_resolve()
    import torch

    torch.set_flush_denormal(True)
    return device_pick(args.device)


def data_load(dataset: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from apps.core.ml.image_datasets import dataset_load

    train_x, train_y = dataset_load(dataset, "train", progress=False)
    test_x, test_y = dataset_load(dataset, "test", progress=False)
    return train_x, train_y.astype(np.int64), test_x, test_y.astype(np.int64)


def _printer(tag: str):
    def on_epoch(entry: dict[str, Any]) -> None:
        shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in entry.items()}
        print(f"[{tag}] {json.dumps(shown)}", file=sys.stderr, flush=True)

    return on_epoch


def train_timed(images: np.ndarray, settings: dict[str, Any], *, device: str, tag: str, quiet: bool = False):
    """A fitted AutoencoderRepresentation of RepresentationConfig(settings), printing its epochs."""
    from apps.representations.ml.config import RepresentationConfig
    from apps.representations.ml.estimators import AutoencoderRepresentation

    config = RepresentationConfig.from_dict(settings)
    print(f"[{tag}] training {config.model} code {config.code} for {config.max_seconds} s on {len(images)} images",
          file=sys.stderr, flush=True)  # fmt: skip
    return AutoencoderRepresentation(config, device=device, on_epoch=None if quiet else _printer(tag)).fit(images)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def figure_path(name: str) -> Path:
    FIGURES.mkdir(parents=True, exist_ok=True)
    return FIGURES / name


def settings_budget(dataset: str, model: str, code: int, budget: float, seed: int, **extra: Any) -> dict[str, Any]:
    """The settings of a budget-stopped run: cosine learning rate over at most 200 epochs, ended by `budget`
    seconds (as the code-30 targets of representations_reconstruction), so a bigger budget trains longer."""
    return {"dataset": dataset, "model": model, "code": code, "epochs": 200, "lr_min": 1e-5, "max_seconds": budget,
            "seed": seed, **extra}  # fmt: skip


def pyplot_get():
    """matplotlib.pyplot on the Agg backend, or None (with a note) where matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing (pip install -r benchmarks/requirements.txt): no figure", file=sys.stderr)
        return None
    return plt


def grid_save(
    path: Path, images: np.ndarray, *, cols: int, normalise: bool = False, pad: int = 1, scale: int = 1
) -> Path | None:
    """Save N×H×W images (floats in [0, 1], or any range with `normalise`: each tile to its own min..max,
    as UFLDL shows filters) as one grey PNG grid; None without matplotlib."""
    plt = pyplot_get()
    if plt is None:
        return None
    images = np.asarray(images, dtype=np.float64)
    if normalise:
        low = images.min(axis=(1, 2), keepdims=True)
        span = images.max(axis=(1, 2), keepdims=True) - low
        images = (images - low) / np.where(span > 0, span, 1.0)
    count, h, w = images.shape
    rows = -(-count // cols)
    canvas = np.ones((rows * (h + pad) + pad, cols * (w + pad) + pad))
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        canvas[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = image
    if scale > 1:  # small tiles (8×8 filters) are unreadable at one screen pixel per pixel
        canvas = np.kron(canvas, np.ones((scale, scale)))
    plt.imsave(path, canvas, cmap="gray", vmin=0.0, vmax=1.0)
    return path


def load_describe() -> str:
    """The 1/5/15-minute load averages, for the section text: on a CPU shared with other jobs the
    budget-stopped trainings get less done, and the timings are slower, than on an idle one."""
    import os

    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min) at the end, on {os.cpu_count()} CPUs"
