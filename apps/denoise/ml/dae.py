"""The classic denoising autoencoder of the 28×28 demo: noisy Fashion-MNIST (or MNIST) in, clean out.

A small convolutional autoencoder (28→14→7→14→28) trained to map images with Gaussian noise
back to the clean images. It predicts the correction to add to the noisy input (residual
learning, as DnCNN does): the same net with a sigmoid output often settled on the all-black
image for epochs before learning anything. The noisy inputs are quantised to uint8 in training
exactly as in the demo, so the model sees at inference what it saw in training.

Noise std here is on intensities in [0, 1] (the photo denoiser's σ is on 0..255).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from apps.core.ml.image_metrics import psnr_per_image

from .config import DaeConfig
from .noise import noise_add

IMAGE_SIZE = 28


class DenoisingAutoencoder(nn.Module):
    def __init__(self, config: DaeConfig) -> None:
        super().__init__()
        w = config.width
        self.config = config
        self.encoder = nn.Sequential(
            nn.Conv2d(1, w, 3, padding=1), nn.ReLU(),
            nn.Conv2d(w, w, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(w, 2 * w, 3, stride=2, padding=1), nn.ReLU(),
        )  # fmt: skip
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(w, w, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(w, 1, 3, padding=1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Noisy N×1×28×28 in [0, 1] → clean estimate in [0, 1]."""
        return (x + self.decoder(self.encoder(x))).clamp(0.0, 1.0)


def dae_build(config: DaeConfig) -> DenoisingAutoencoder:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return DenoisingAutoencoder(config)


@dataclass
class DaeTrainResult:
    state: dict[str, torch.Tensor]
    history: list[dict[str, Any]]
    metrics: dict[str, Any]
    config: DaeConfig

    def model_build(self, device: str | torch.device = "cpu") -> DenoisingAutoencoder:
        model = dae_build(self.config)
        model.load_state_dict(self.state)
        return model.to(device).eval()


def images_check(images: np.ndarray) -> None:
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"images: expected uint8 N×{IMAGE_SIZE}×{IMAGE_SIZE}, got {getattr(images, 'shape', None)}")
    if images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"images: expected {IMAGE_SIZE}×{IMAGE_SIZE} pixels, got {images.shape[1:]}")


def split_indices(count: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) indices; the validation part is a seeded random `fraction`."""
    order = np.random.default_rng(seed).permutation(count)
    held = int(round(count * fraction))
    return np.sort(order[held:]), np.sort(order[:held])


def images_noisy(images: np.ndarray, noise_std: float, seed: int) -> np.ndarray:
    """uint8 images plus Gaussian noise of `noise_std` (on [0, 1]), clipped and requantised; seeded."""
    return noise_add(np.asarray(images, dtype=np.uint8), noise_std * 255.0, seed=seed)


def _noisy_batch(clean: torch.Tensor, std: float, generator: torch.Generator) -> torch.Tensor:
    noise = torch.randn(clean.shape, generator=generator, device=generator.device).to(clean.device)
    return torch.round((clean + std * noise).clamp_(0.0, 1.0) * 255.0) / 255.0


@torch.inference_mode()
def images_denoise(model: nn.Module, noisy: np.ndarray, *, batch_size: int = 512) -> np.ndarray:
    """uint8 N×28×28 noisy images → uint8 denoised images."""
    images_check(noisy)
    model.eval()
    device = next(model.parameters()).device
    out = []
    for start in range(0, noisy.shape[0], batch_size):
        x = torch.from_numpy(noisy[start : start + batch_size]).float().div_(255.0).unsqueeze(1).to(device)
        y = model(x).squeeze(1).float().cpu().numpy()
        out.append(np.clip(np.rint(y.astype(np.float64) * 255.0), 0, 255).astype(np.uint8))
    return np.concatenate(out)


def denoise_pairs_make(
    model: nn.Module, images: np.ndarray, *, noise_std: float | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(noisy, denoised) uint8 N×28×28 for clean test images; noise_std defaults to the training level."""
    std = float(noise_std if noise_std is not None else model.config.noise_std)
    noisy = images_noisy(images, std, seed)
    return noisy, images_denoise(model, noisy)


def dae_train(
    images: np.ndarray,
    config: DaeConfig,
    *,
    device: str | torch.device = "cpu",
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> DaeTrainResult:
    """Train on clean uint8 images with fresh noise every batch; history has val PSNR per epoch."""
    images_check(images)
    device = torch.device(device)
    train_idx, val_idx = split_indices(images.shape[0], config.val_fraction, config.seed)
    data = torch.from_numpy(np.ascontiguousarray(images[train_idx])).unsqueeze(1).to(device)
    val_clean = images[val_idx]
    val_noisy = images_noisy(val_clean, config.noise_std, config.seed + 2) if val_idx.size else val_clean
    model = dae_build(config).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    order_gen = torch.Generator().manual_seed(config.seed)
    noise_gen = torch.Generator(device=device).manual_seed(config.seed + 1)
    history: list[dict[str, Any]] = []
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        epoch_start = time.perf_counter()
        order = torch.randperm(data.shape[0], generator=order_gen).to(device)
        total = 0.0
        for start in range(0, order.shape[0], config.batch_size):
            clean = data[order[start : start + config.batch_size]].float().div_(255.0)
            loss = F.mse_loss(model(_noisy_batch(clean, config.noise_std, noise_gen)), clean)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * clean.shape[0]
        entry: dict[str, Any] = {
            "epoch": epoch,
            "epochs": config.epochs,
            "loss": total / data.shape[0],
            "seconds": time.perf_counter() - epoch_start,
        }
        if not math.isfinite(entry["loss"]):
            raise FloatingPointError(f"training diverged at epoch {epoch}")
        if val_idx.size:
            entry["val_psnr"] = float(psnr_per_image(val_clean, images_denoise(model, val_noisy)).mean())
            entry["val_psnr_noisy"] = float(psnr_per_image(val_clean, val_noisy).mean())
            model.train()
        history.append(entry)
        if on_epoch is not None:
            on_epoch(dict(entry))
        if config.max_seconds is not None and time.perf_counter() - started >= config.max_seconds:
            break
    model.eval()
    last = history[-1]
    metrics = {
        "train_loss": last["loss"],
        "epochs_run": len(history),
        "seconds": time.perf_counter() - started,
        "train_images": int(train_idx.size),
    }
    metrics.update({k: last[k] for k in ("val_psnr", "val_psnr_noisy") if k in last})
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    return DaeTrainResult(state=state, history=history, metrics=metrics, config=config)
