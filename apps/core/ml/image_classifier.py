"""The small 28×28 classifier whose features the sample-quality figures use (workers and benchmarks).

Two conv+pool blocks and a 128-unit layer: its 128 penultimate features are the space of the
Fréchet distance (`apps.core.ml.frechet`) and of precision/recall and class coverage of samples.
One copy for every app and benchmark, so their figures stay comparable. Not the Inception net:
the numbers compare only with each other.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

FEATURES = 128


class ImageClassifier(nn.Module):
    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, FEATURES), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Linear(FEATURES, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def classifier_build(seed: int = 0) -> ImageClassifier:
    """A freshly initialised classifier; weights depend only on `seed` (global RNG left untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ImageClassifier()


def classifier_train(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    epochs: int,
    max_seconds: float | None,
    device: str | torch.device = "cpu",
    seed: int = 0,
    verbose: bool = True,
) -> tuple[ImageClassifier, int]:
    """Adam, batch 128, on uint8 N×28×28 images; stops after the epoch that passes max_seconds.

    Returns (model in eval mode, epochs run)."""
    model = classifier_build(seed).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1).to(device)
    target = torch.from_numpy(np.asarray(labels, dtype=np.int64)).to(device)
    generator = torch.Generator().manual_seed(seed)
    started = time.perf_counter()
    run = 0
    for run in range(1, epochs + 1):
        order = torch.randperm(len(images), generator=generator).to(device)
        loss = torch.zeros(())
        for start in range(0, len(order), 128):
            idx = order[start : start + 128]
            loss = F.cross_entropy(model(data[idx].float() / 255.0), target[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        seconds = time.perf_counter() - started
        if verbose:
            message = f"[classifier] epoch {run} loss {float(loss.detach()):.3f} {seconds:.0f}s"
            print(message, file=sys.stderr, flush=True)
        if max_seconds is not None and seconds >= max_seconds:
            break
    return model.eval(), run


@torch.inference_mode()
def classifier_features(
    model: ImageClassifier, images: np.ndarray, *, device: str | torch.device = "cpu"
) -> tuple[np.ndarray, np.ndarray]:
    """(128-D features float64 N×128, predicted classes N) of uint8 N×28×28 images."""
    feats, preds = [], []
    for start in range(0, len(images), 500):
        x = torch.from_numpy(np.ascontiguousarray(images[start : start + 500])).unsqueeze(1).to(device).float() / 255.0
        h = model.body(x)
        feats.append(h.double().cpu().numpy())
        preds.append(model.head(h).argmax(1).cpu().numpy())
    if not feats:
        return np.zeros((0, FEATURES)), np.zeros(0, np.int64)
    return np.concatenate(feats), np.concatenate(preds)
