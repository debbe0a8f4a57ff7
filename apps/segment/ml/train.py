"""Training a segmenter within a time budget: random crops, flips/rot90, intensity jitter, CE + Dice, cosine LR.

`segmenter_fit` is what the worker's training job and the benchmarks call. The learning rate follows
a cosine from `lr` to ~0 over whichever ends first, the time budget or the epoch count, so a short
budget still ends on a small learning rate (the budget is the stopping rule, not an afterthought).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .config import SegmenterConfig
from .inference import image_tensor
from .models import segmenter_build

WARMUP_STEPS = 20


@dataclass
class FitResult:
    model: nn.Module
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0
    epochs_run: int = 0


def _as_nhwc(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    return images[..., None] if images.ndim == 3 else images


def class_weights(masks: np.ndarray, classes: int) -> np.ndarray:
    """Inverse square-root class frequencies, mean 1 over the classes present (absent classes get 0)."""
    counts = np.bincount(np.asarray(masks).ravel(), minlength=classes)[:classes].astype(np.float64)
    weights = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1) / counts.sum()), 0.0)
    return (weights / weights[counts > 0].mean()).astype(np.float32)


def batch_sample(
    images: np.ndarray, masks: np.ndarray, config: SegmenterConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(B×crop×crop×C uint8, B×crop×crop) random crops, mirrored and (EM: rotated), intensity-jittered."""
    count, height, width = masks.shape
    crop_h, crop_w = min(config.crop, height), min(config.crop, width)
    xs, ys = [], []
    for _ in range(config.batch):
        i = int(rng.integers(count))
        top, left = int(rng.integers(0, height - crop_h + 1)), int(rng.integers(0, width - crop_w + 1))
        x, y = images[i, top : top + crop_h, left : left + crop_w], masks[i, top : top + crop_h, left : left + crop_w]
        if rng.random() < 0.5:
            x, y = x[:, ::-1], y[:, ::-1]
        if config.dataset == "isbi-em":  # EM has no up or left: every rotation and mirror is as likely
            if rng.random() < 0.5:
                x, y = x[::-1], y[::-1]
            if crop_h == crop_w:
                k = int(rng.integers(4))
                x, y = np.rot90(x, k), np.rot90(y, k)
        # brightness, contrast and gamma: staining and exposure differ between slices and photos
        xf = x.astype(np.float32) / 255.0
        xf = np.clip(xf ** rng.uniform(0.7, 1.4), 0, 1)
        xf = np.clip((xf - 0.5) * rng.uniform(0.75, 1.25) + 0.5 + rng.uniform(-0.1, 0.1), 0, 1)
        xs.append(np.rint(xf * 255).astype(np.uint8))
        ys.append(np.ascontiguousarray(y))
    return np.stack(xs), np.stack(ys)


def dice_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - mean soft Dice over the classes present in the batch's truth or prediction."""
    probs = torch.softmax(logits, dim=1)
    onehot = F.one_hot(target, logits.shape[1]).permute(0, 3, 1, 2).to(probs.dtype)
    dims = (0, 2, 3)
    inter = (probs * onehot).sum(dims)
    sums = probs.sum(dims) + onehot.sum(dims)
    present = onehot.sum(dims) > 0
    dice = (2 * inter + 1.0) / (sums + 1.0)
    return 1 - dice[present].mean()


def segmenter_fit(
    images: np.ndarray,
    masks: np.ndarray,
    config: SegmenterConfig,
    *,
    device: str = "cpu",
    on_epoch: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> FitResult:
    """Train a new segmenter on uint8 images (N×H×W or N×H×W×C) and label masks (N×H×W).

    Stops after config.seconds (when set) or config.epochs × config.steps batches. `on_epoch` gets
    {"epoch", "epochs" (estimated for a time budget), "loss", "lr", "seconds"} after every epoch.
    """
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    images, masks = _as_nhwc(images), np.asarray(masks)
    if images.shape[:3] != masks.shape:
        raise ValueError(f"images {images.shape} and masks {masks.shape} differ")
    classes = len(config.classes)
    if masks.max() >= classes:
        raise ValueError(f"mask label {int(masks.max())} is outside the {classes} classes")
    model = segmenter_build(config).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    weight = torch.from_numpy(class_weights(masks, classes)).to(device) if config.class_weighted else None
    total_steps = config.epochs * config.steps
    began = time.perf_counter()
    result = FitResult(model=model)
    model.train()
    done = False
    for epoch in range(1, config.epochs + 1):
        losses = []
        for _ in range(config.steps):
            elapsed = time.perf_counter() - began
            fraction = result.steps / total_steps
            if config.seconds:
                fraction = max(fraction, elapsed / config.seconds)
            if fraction >= 1.0 or (should_stop is not None and should_stop()):
                done = True
                break
            lr = config.lr * min(1.0, (result.steps + 1) / WARMUP_STEPS) * 0.5 * (1 + math.cos(math.pi * fraction))
            for group in optimiser.param_groups:
                group["lr"] = lr
            x, y = batch_sample(images, masks, config, rng)
            xt, yt = image_tensor(x).to(device), torch.from_numpy(y.astype(np.int64)).to(device)
            logits = model(xt)
            loss = F.cross_entropy(logits, yt, weight=weight)
            if config.dice:
                loss = loss + config.dice * dice_loss(logits, yt)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            losses.append(float(loss.detach()))
            result.steps += 1
        if losses:
            result.epochs_run = epoch
            seconds = time.perf_counter() - began
            estimate = config.epochs
            if config.seconds:
                estimate = min(config.epochs, max(epoch, math.ceil(config.seconds / (seconds / epoch))))
            entry = {"epoch": epoch, "epochs": estimate, "loss": float(np.mean(losses)), "lr": lr, "seconds": seconds}
            result.history.append(entry)
            if on_epoch is not None:
                on_epoch(entry)
        if done or not losses:
            break
    result.seconds = time.perf_counter() - began
    model.eval()
    model.history = result.history
    return result
