"""Shared pieces of the gallery benchmarks (gallery_mnist, gallery_fashion, gallery_speed).

Not a benchmark itself: argument helpers, a timed training run, evaluation with standard
errors, and the small Fashion-MNIST classifier whose features the Fréchet distance uses.
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


def vae_train_timed(images, labels, settings: dict[str, Any], *, device: str, tag: str):
    """Train with vae_train, printing each epoch; returns the result (metrics hold seconds and epochs)."""
    from apps.core.ml.vae.config import VaeConfig
    from apps.core.ml.vae.train import vae_train

    config = VaeConfig.from_dict(settings)
    print(f"[{tag}] training {config.to_dict()} on {len(images)} images, device {device}", file=sys.stderr, flush=True)
    return vae_train(images, labels, config, device=device, on_epoch=epoch_printer(tag))


def evaluate_with_errors(model, images, labels=None, **kwargs) -> dict[str, Any]:
    """vae_evaluate plus the standard error of each mean over the test images (key `<name>_se`)."""
    from apps.gallery.ml.evaluate import vae_evaluate

    out = vae_evaluate(model, images, labels, per_image=True, **kwargs)
    per_image = out.pop("per_image")
    for key, values in per_image.items():
        out[f"{key}_se"] = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("nan")
    return out


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


# --- the feature extractor of the Fréchet distance ------------------------------------------------


def classifier_build():
    """A small CNN (two conv+pool blocks, a 128-unit layer): its 128 features feed the Fréchet distance."""
    import torch
    from torch import nn

    class Classifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
            )  # fmt: skip
            self.head = nn.Linear(128, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.body(x))

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return Classifier()


def classifier_train(images: np.ndarray, labels: np.ndarray, *, epochs: int, max_seconds: float | None, device: str):
    """Adam, batch 128; stops after the epoch that passes max_seconds. Returns (model, epochs run)."""
    import torch
    from torch.nn import functional as F

    model = classifier_build().to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = torch.from_numpy(images).unsqueeze(1).to(device)
    target = torch.from_numpy(labels.astype(np.int64)).to(device)
    generator = torch.Generator().manual_seed(0)
    clock = Stopwatch()
    run = 0
    for run in range(1, epochs + 1):
        order = torch.randperm(len(images), generator=generator).to(device)
        for start in range(0, len(order), 128):
            idx = order[start : start + 128]
            loss = F.cross_entropy(model(data[idx].float() / 255.0), target[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        message = f"[classifier] epoch {run} loss {float(loss.detach()):.3f} {clock.seconds():.0f}s"
        print(message, file=sys.stderr, flush=True)
        if max_seconds is not None and clock.seconds() >= max_seconds:
            break
    return model.eval(), run


def classifier_features(model, images: np.ndarray, *, device: str) -> tuple[np.ndarray, np.ndarray]:
    """(128-D features, predicted classes) of uint8 images."""
    import torch

    feats, preds = [], []
    with torch.inference_mode():
        for start in range(0, len(images), 500):
            x = torch.from_numpy(images[start : start + 500]).unsqueeze(1).to(device).float() / 255.0
            h = model.body(x)
            feats.append(h.double().cpu().numpy())
            preds.append(model.head(h).argmax(1).cpu().numpy())
    return np.concatenate(feats), np.concatenate(preds)
