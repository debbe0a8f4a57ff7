"""Training loop of the VAEs (workers only)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from apps.core.ml.vae.bounds import bernoulli_nll, gaussian_kl, log_weight_parts
from apps.core.ml.vae.config import VaeConfig
from apps.core.ml.vae.models import IMAGE_SIZE, VaeModel, parameters_count, vae_build

EpochCallback = Callable[[dict[str, Any]], None]


@dataclass
class VaeTrainResult:
    state: dict[str, torch.Tensor]  # CPU tensors, ready for vae_save or load_state_dict
    history: list[dict[str, Any]]
    metrics: dict[str, Any]
    config: VaeConfig
    extra: dict[str, Any] = field(default_factory=dict)

    def model_build(self, device: str | torch.device = "cpu") -> VaeModel:
        """The trained model in eval mode on `device`."""
        model = vae_build(self.config)
        model.load_state_dict(self.state)
        return model.to(device).eval()


def images_check(images: np.ndarray, labels: np.ndarray | None = None) -> None:
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"images: expected uint8 N×{IMAGE_SIZE}×{IMAGE_SIZE}, got {getattr(images, 'shape', None)}")
    if images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"images: expected {IMAGE_SIZE}×{IMAGE_SIZE} pixels, got {images.shape[1:]}")
    if labels is not None and np.asarray(labels).shape != (images.shape[0],):
        raise ValueError(f"labels: expected shape ({images.shape[0]},), got {np.asarray(labels).shape}")


def images_to_tensor(images: np.ndarray, device: str | torch.device = "cpu") -> torch.Tensor:
    """uint8 N×28×28 → float N×1×28×28 in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).to(device).float().div_(255.0).unsqueeze(1)


def split_indices(count: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) indices; the validation part is a seeded random `fraction`."""
    order = np.random.default_rng(seed).permutation(count)
    held = int(round(count * fraction))
    return np.sort(order[held:]), np.sort(order[:held])


def _elbo_terms(
    model: VaeModel, x: torch.Tensor, y: torch.Tensor | None, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(reconstruction, analytic KL) nats per image, from one sample."""
    logits, mu, logvar = model(x, y, generator=generator)
    return bernoulli_nll(logits, x), gaussian_kl(mu, logvar)


def _batch_loss(
    model: VaeModel, x: torch.Tensor, y: torch.Tensor | None, config: VaeConfig, beta: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, reconstruction, KL) per image: -ELBO with the KL weighed by beta, or with
    iwae_samples > 1 the importance-weighted bound, its terms then averaged over the K samples."""
    if config.iwae_samples == 1:
        recon, kl = _elbo_terms(model, x, y, generator)
        return recon + beta * kl, recon, kl
    log_px, log_pz_q = log_weight_parts(model, x, y, k=config.iwae_samples, generator=generator)
    bound = -(torch.logsumexp(log_px + log_pz_q, dim=0) - math.log(config.iwae_samples))
    return bound, -log_px.mean(0), -log_pz_q.mean(0)


@torch.inference_mode()
def _validate(
    model: VaeModel, data: torch.Tensor, labels: torch.Tensor | None, config: VaeConfig, generator: torch.Generator
) -> tuple[float, float]:
    model.eval()
    recon_sum = kl_sum = 0.0
    for start in range(0, data.shape[0], 1024):
        x = data[start : start + 1024].float().div_(255.0)
        if config.binarize:
            x = torch.bernoulli(x, generator=generator)
        y = None if labels is None else labels[start : start + 1024]
        recon, kl = _elbo_terms(model, x, y, generator)
        recon_sum += float(recon.sum())
        kl_sum += float(kl.sum())
    model.train()
    return recon_sum / data.shape[0], kl_sum / data.shape[0]


def vae_train(
    images: np.ndarray,
    labels: np.ndarray | None,
    config: VaeConfig,
    *,
    device: str | torch.device = "cpu",
    on_epoch: EpochCallback | None = None,
    initial_state: dict[str, torch.Tensor] | None = None,
) -> VaeTrainResult:
    """Train a VAE on uint8 N×28×28 images (labels needed by the conditional model only).

    `on_epoch` gets {"epoch", "epochs", "loss", "recon", "kl", "seconds"} (plus "val_*" with a
    validation split) after every epoch; an exception it raises stops training and propagates.
    "loss" is the training objective (-ELBO, or the IWAE bound with iwae_samples > 1); the
    validation figures are always the ELBO's. `initial_state` continues from these weights (a
    state dict of the same architecture). Same config and data on the same device → the same weights.
    """
    images_check(images, labels)
    if config.conditional and labels is None:
        raise ValueError("labels: the conditional model trains on labelled images")
    device = torch.device(device)
    train_idx, val_idx = split_indices(images.shape[0], config.val_fraction, config.seed)
    if train_idx.size == 0:
        raise ValueError("images: nothing left to train on")
    use_labels = config.conditional and labels is not None
    label_tensor = torch.from_numpy(np.asarray(labels, dtype=np.int64)).to(device) if use_labels else None
    data = torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1).to(device)  # uint8: 4x less memory
    train_sel, val_sel = torch.from_numpy(train_idx).to(device), torch.from_numpy(val_idx).to(device)
    train_data, val_data = data[train_sel], data[val_sel]
    train_labels = None if label_tensor is None else label_tensor[train_sel]
    val_labels = None if label_tensor is None else label_tensor[val_sel]

    model = vae_build(config)
    if initial_state is not None:
        model.load_state_dict(initial_state)
    model = model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    scheduler = (
        torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs, eta_min=config.lr_min)
        if config.lr_min is not None
        else None
    )
    order_gen = torch.Generator().manual_seed(config.seed)
    noise_gen = torch.Generator(device=device).manual_seed(config.seed + 1)
    steps_per_epoch = math.ceil(train_data.shape[0] / config.batch_size)
    warmup_steps = config.kl_warmup_epochs * steps_per_epoch

    history: list[dict[str, Any]] = []
    started = time.perf_counter()
    stopped_by_budget = False
    step = 0
    for epoch in range(1, config.epochs + 1):
        epoch_start = time.perf_counter()
        order = torch.randperm(train_data.shape[0], generator=order_gen).to(device)
        sums = {"loss": 0.0, "recon": 0.0, "kl": 0.0}
        for start in range(0, order.shape[0], config.batch_size):
            idx = order[start : start + config.batch_size]
            x = train_data[idx].float().div_(255.0)
            if config.binarize:
                x = torch.bernoulli(x, generator=noise_gen)
            y = None if train_labels is None else train_labels[idx]
            beta = config.beta * (min(1.0, step / warmup_steps) if warmup_steps else 1.0)
            per_image, recon, kl = _batch_loss(model, x, y, config, beta, noise_gen)
            loss = per_image.mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            n = x.shape[0]
            sums["loss"] += float(loss.detach()) * n
            sums["recon"] += float(recon.detach().sum())
            sums["kl"] += float(kl.detach().sum())
        if scheduler is not None:
            scheduler.step()
        count = train_data.shape[0]
        entry: dict[str, Any] = {
            "epoch": epoch,
            "epochs": config.epochs,
            "loss": sums["loss"] / count,
            "recon": sums["recon"] / count,
            "kl": sums["kl"] / count,
            "seconds": time.perf_counter() - epoch_start,
        }
        if not math.isfinite(entry["loss"]):
            raise FloatingPointError(f"training diverged at epoch {epoch} (loss {entry['loss']}); try a lower lr")
        if val_data.shape[0]:
            val_recon, val_kl = _validate(model, val_data, val_labels, config, noise_gen)
            entry.update(val_loss=val_recon + val_kl, val_recon=val_recon, val_kl=val_kl)
        history.append(entry)
        if on_epoch is not None:
            on_epoch(dict(entry))
        if config.max_seconds is not None and time.perf_counter() - started >= config.max_seconds:
            stopped_by_budget = epoch < config.epochs
            break

    model.eval()
    last = history[-1]
    metrics: dict[str, Any] = {
        "train_loss": last["loss"],
        "train_recon": last["recon"],
        "train_kl": last["kl"],
        "epochs_run": len(history),
        "seconds": time.perf_counter() - started,
        "stopped_by_budget": stopped_by_budget,
        "parameters": parameters_count(model),
        "train_images": int(train_data.shape[0]),
    }
    if "val_loss" in last:
        metrics.update(val_neg_elbo=last["val_loss"], val_recon=last["val_recon"], val_kl=last["val_kl"])
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    return VaeTrainResult(state=state, history=history, metrics=metrics, config=config)
