"""Training loops of the two inpainters (torch; workers, benchmarks and the export script).

Both train within a wall-clock budget (`config.seconds`) as well as an epoch cap, with a cosine
learning rate over whichever budget runs out first, on random masks of every kind: the models
must fill a painted stroke, a box, scattered pixels and the centre square alike.
Loss: L1 of the raw prediction over the whole image plus `hole_weight` × L1 over the hole alone
(the hole is what is scored; the rest keeps the net from drifting where it is told the answer).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from .baselines import base_fill
from .config import InpainterConfig
from .masks import centre_mask, mask_draw
from .models import inpainter_build, parameters_count

OnEpoch = Callable[[dict], None]


@dataclass
class TrainResult:
    model: torch.nn.Module
    history: list[dict] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


class _Clock:
    """Fraction of the budget spent: time or steps, whichever is further along."""

    def __init__(self, seconds: float, steps: int) -> None:
        self.start, self.seconds, self.steps = time.perf_counter(), seconds, steps

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def fraction(self, step: int) -> float:
        return min(1.0, max(self.elapsed() / self.seconds, step / self.steps))


def _cosine(optimizer: torch.optim.Optimizer, base: float, fraction: float) -> None:
    lr = base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * fraction)))
    for group in optimizer.param_groups:
        group["lr"] = lr


def inpaint_loss(
    prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, hole_weight: float
) -> torch.Tensor:
    err = (prediction - target).abs()
    hole = (err * mask).sum() / mask.sum().clamp_min(1.0)
    return err.mean() + hole_weight * hole


# --- items ---------------------------------------------------------------------------------------------


def item_masks(count: int, rng: np.random.Generator, bank: np.ndarray) -> np.ndarray:
    """count×28×28 float32 training masks: centre and shifted squares, scattered pixels, boxes and strokes."""
    size = bank.shape[-1]
    out = np.zeros((count, size, size), dtype=np.float32)
    kinds = rng.choice(4, size=count, p=[0.3, 0.3, 0.2, 0.2])
    for i, kind in enumerate(kinds):
        if kind == 0:  # a square: a third of them the exact 14×14 centre, the rest sized and placed at random
            if rng.random() < 0.33:
                out[i] = centre_mask(size, size)
            else:
                side = int(rng.integers(6, 19))
                top, left = rng.integers(2, size - side - 1, size=2) if side < size - 4 else (0, 0)
                out[i, top : top + side, left : left + side] = 1
        elif kind == 1:
            out[i] = rng.random((size, size)) < rng.uniform(0.1, 0.8)
        else:
            mask = bank[rng.integers(len(bank))]
            mask = np.rot90(mask, int(rng.integers(4)))
            out[i] = mask[:, ::-1] if rng.random() < 0.5 else mask
    return out


def item_mask_bank(count: int, size: int, seed: int) -> np.ndarray:
    """Random boxes and strokes drawn once (drawing them per batch costs more than the net at 28×28)."""
    rng = np.random.default_rng(seed)
    kinds = ("boxes", "freeform")
    return np.stack([mask_draw(kinds[i % 2], size, size, rng.uniform(0.1, 0.6), rng) for i in range(count)])


def items_train(
    images: np.ndarray,
    config: InpainterConfig,
    *,
    device: str = "cpu",
    on_epoch: OnEpoch | None = None,
) -> TrainResult:
    """Train the 28×28 items model on N×28×28 uint8 images."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    if config.train_count:
        images = images[: config.train_count]
    data = torch.from_numpy(np.asarray(images, dtype=np.float32) / 255.0).unsqueeze(1)
    model = inpainter_build(config).to(device)
    batch, base_lr = int(config.value("batch")), float(config.value("lr"))
    optimizer = torch.optim.Adam(model.parameters(), lr=base_lr)
    bank = item_mask_bank(int(np.clip(len(data), 256, 4096)), images.shape[-1], config.seed)
    steps_per_epoch = max(1, len(data) // batch)
    clock = _Clock(float(config.value("seconds")), config.epochs * steps_per_epoch)
    history: list[dict] = []
    step = 0
    model.train()
    for epoch in range(1, config.epochs + 1):
        order = torch.from_numpy(rng.permutation(len(data)))
        total, seen = 0.0, 0
        for start in range(0, steps_per_epoch * batch, batch):
            _cosine(optimizer, base_lr, clock.fraction(step))
            x = data[order[start : start + batch]].to(device)
            mask = torch.from_numpy(item_masks(len(x), rng, bank)).unsqueeze(1).to(device)
            loss = inpaint_loss(model(x, mask, raw=True), x, mask, config.hole_weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total, seen, step = total + float(loss.detach()) * len(x), seen + len(x), step + 1
            if clock.fraction(step) >= 1.0:
                break
        entry = {
            "epoch": epoch,
            "loss": total / max(1, seen),
            "seconds": round(clock.elapsed(), 1),
            "fraction": clock.fraction(step),
            "images": seen,
        }
        history.append(entry)
        if on_epoch is not None:
            on_epoch(entry)
        if clock.fraction(step) >= 1.0:
            break
    model.eval()
    metrics = {
        "parameters": parameters_count(model),
        "epochs_run": len(history),
        "steps": step,
        "train_seconds": round(clock.elapsed(), 1),
        "train_images": int(len(data)),
        "images_seen": int(step * batch),
    }
    return TrainResult(model, history, metrics)


# --- photos --------------------------------------------------------------------------------------------


def photo_mask(size: int, rng: np.random.Generator) -> np.ndarray:
    """A training mask for a size×size patch: strokes, boxes or both, sized as on a 180–512-pixel photo."""
    scale = rng.uniform(180, 512)
    coverage = rng.uniform(0.05, 0.5)
    pick = rng.random()
    if pick < 0.6:
        return mask_draw("freeform", size, size, coverage, rng, scale)
    if pick < 0.8:
        return mask_draw("boxes", size, size, coverage, rng, scale)
    return mask_draw("freeform", size, size, coverage * 0.6, rng, scale) | mask_draw(
        "boxes", size, size, coverage * 0.4, rng, scale
    )


def photo_patches(images: list[np.ndarray], count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """count×size×size float32 patches in [0, 1]: random crops (images smaller than `size` mirrored up),
    random flips and quarter turns."""
    out = np.empty((count, size, size), dtype=np.float32)
    for i in range(count):
        image = images[int(rng.integers(len(images)))]
        if image.ndim == 3:
            image = image[..., int(rng.integers(min(3, image.shape[2])))]
        h, w = image.shape
        if h < size or w < size:
            image = np.pad(image, ((0, max(0, size - h)), (0, max(0, size - w))), mode="symmetric")
            h, w = image.shape
        top, left = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        patch = image[top : top + size, left : left + size]
        patch = np.rot90(patch, int(rng.integers(4)))
        out[i] = (patch[:, ::-1] if rng.random() < 0.5 else patch) / 255.0
    return out


def patch_bases(kind: str, patches: np.ndarray, masks: np.ndarray) -> np.ndarray | None:
    """The initial fill of each training patch (N×H×W float32), as inference computes it on a whole image."""
    if kind == "pushpull":
        return None
    planes = np.rint(patches * 255.0).astype(np.uint8)
    return np.stack([base_fill(kind, plane[None], mask)[0] for plane, mask in zip(planes, masks, strict=True)])


def photo_train(
    images: list[np.ndarray],
    config: InpainterConfig,
    *,
    device: str = "cpu",
    on_epoch: OnEpoch | None = None,
) -> TrainResult:
    """Train the gated-conv U-Net on random patches of grey (or colour: one random plane) uint8 photos."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = inpainter_build(config).to(device)
    batch, base_lr = int(config.value("batch")), float(config.value("lr"))
    optimizer = torch.optim.Adam(model.parameters(), lr=base_lr)
    clock = _Clock(float(config.value("seconds")), config.epochs * config.steps_per_epoch)
    history: list[dict] = []
    step = 0
    model.train()
    for epoch in range(1, config.epochs + 1):
        total = 0.0
        done = 0
        for _ in range(config.steps_per_epoch):
            _cosine(optimizer, base_lr, clock.fraction(step))
            patches = photo_patches(images, batch, config.patch, rng)
            masks = np.stack([photo_mask(config.patch, rng) for _ in range(batch)])
            x = torch.from_numpy(patches).unsqueeze(1).to(device)
            mask = torch.from_numpy(masks.astype(np.float32)).unsqueeze(1).to(device)
            base = patch_bases(config.base, patches, masks)
            base = None if base is None else torch.from_numpy(base).unsqueeze(1).to(device)
            loss = inpaint_loss(model(x, mask, base, raw=True), x, mask, config.hole_weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total, done, step = total + float(loss.detach()), done + 1, step + 1
            if clock.fraction(step) >= 1.0:
                break
        entry = {
            "epoch": epoch,
            "loss": total / max(1, done),
            "seconds": round(clock.elapsed(), 1),
            "fraction": clock.fraction(step),
            "steps": done,
        }
        history.append(entry)
        if on_epoch is not None:
            on_epoch(entry)
        if clock.fraction(step) >= 1.0:
            break
    model.eval()
    metrics = {
        "parameters": parameters_count(model),
        "epochs_run": len(history),
        "steps": step,
        "train_seconds": round(clock.elapsed(), 1),
        "train_images": len(images),
        "patches_seen": int(step * batch),
    }
    return TrainResult(model, history, metrics)


def inpainter_train(data, config: InpainterConfig, *, device: str = "cpu", on_epoch: OnEpoch | None = None):
    """items_train or photo_train, as the config's model says."""
    if config.model == "items":
        return items_train(np.asarray(data), config, device=device, on_epoch=on_epoch)
    return photo_train(list(data), config, device=device, on_epoch=on_epoch)
