"""Training of every representation model (workers and benchmarks only: imports torch).

`representation_train(images, labels, config, device=, on_epoch=)` is the one entry point: the
autoencoder types through one loop (`autoencoder_train`), the VAE through the shared loop of
apps.core.ml.vae, the GAN through `gan_train`, the baselines through their `fit` (PCA on the
training images; t-SNE and UMAP on the images they map: the caller passes the test split).

Every loop takes a device and a time budget (`max_seconds`, checked after every batch); with the
budget off, the same config and data on the same device give the same weights.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from apps.core.ml.corruption import corrupt, denormals_flush
from apps.core.ml.vae.train import vae_train

from .baselines import PcaRepresentation, TsneMap, UmapMap
from .config import RepresentationConfig
from .models import SIDE, Autoencoder, model_build, parameters_count, vae_config

EpochCallback = Callable[[dict[str, Any]], None]


@dataclass
class TrainResult:
    state: dict[str, torch.Tensor]  # CPU tensors of the network ({} for t-SNE and UMAP)
    history: list[dict[str, Any]]  # one entry per epoch: "epoch", "epochs", "loss", ... ("seconds")
    metrics: dict[str, Any]
    config: RepresentationConfig
    extra: dict[str, Any] = field(default_factory=dict)  # baselines: "estimator"; maps: "embedding" (N×2)

    def model_build(self, device: str | torch.device = "cpu") -> Autoencoder:
        """The trained network in eval mode on `device` (PCA as a linear autoencoder; none for t-SNE/UMAP)."""
        if self.config.model in ("tsne", "umap"):
            raise ValueError(f"model: {self.config.model} has no network; use extra['estimator']")
        model = model_build(self.config)
        model.load_state_dict(self.state)
        return model.to(device).eval()


def images_check(images: np.ndarray, side: tuple[int, int] = (SIDE, SIDE)) -> None:
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.shape[1:] != side:
        raise ValueError(f"images: expected uint8 N×{side[0]}×{side[1]}, got {getattr(images, 'shape', None)}")
    if images.shape[0] < 2:
        raise ValueError("images: need at least two images")


def images_to_unit(images: np.ndarray, device: str | torch.device = "cpu") -> torch.Tensor:
    """uint8 N×H×W → float N×1×H×W in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).to(device).float().div_(255.0).unsqueeze(1)


def weights_squared(model: nn.Module) -> torch.Tensor:
    """sum(W²) over the Linear and convolution weights (biases and normalisation layers excluded)."""
    total = torch.zeros((), device=next(model.parameters()).device)
    for module in model.modules():
        if isinstance(module, nn.Linear | nn.Conv2d | nn.ConvTranspose2d):
            total = total + module.weight.pow(2).sum()
    return total


def sparsity_kl(rho: float, rho_hat: torch.Tensor) -> torch.Tensor:
    """sum_j KL(Bernoulli(rho) || Bernoulli(rho_hat_j)) over the code units."""
    rho_hat = rho_hat.clamp(1e-6, 1 - 1e-6)
    return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


def lr_at(config: RepresentationConfig, progress: float) -> float:
    """The learning rate at `progress` in [0, 1]: cosine from lr to lr_min; constant when lr_min is None."""
    if config.lr_min is None:
        return config.lr
    return config.lr_min + (config.lr - config.lr_min) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def _progress(config: RepresentationConfig, done_epochs: float, elapsed: float) -> float:
    """How far training is: by epochs, or by the time budget when it binds first (so a budget-stopped run
    still ends its cosine decay near lr_min). Without a budget it depends on the epochs only."""
    by_epochs = done_epochs / config.epochs
    if config.max_seconds is None:
        return by_epochs
    return max(by_epochs, elapsed / config.max_seconds)


def _lr_set(optimizers: list[torch.optim.Optimizer], lr: float) -> None:
    for optimizer in optimizers:
        for group in optimizer.param_groups:
            group["lr"] = lr


def _epoch_batches(
    count: int,
    config: RepresentationConfig,
    *,
    epoch: int,
    order_gen: torch.Generator,
    device: torch.device,
    optimizers: list[torch.optim.Optimizer],
    started: float,
) -> Iterator[torch.Tensor]:
    """The indices of each minibatch of one epoch, in a seeded order, with the learning rate set for it."""
    order = torch.randperm(count, generator=order_gen).to(device)
    for start in range(0, count, config.batch_size):
        if config.lr_min is not None:
            done = epoch - 1 + start / count
            _lr_set(optimizers, lr_at(config, _progress(config, done, time.perf_counter() - started)))
        yield order[start : start + config.batch_size]


def _out_of_time(config: RepresentationConfig, started: float) -> bool:
    return config.max_seconds is not None and time.perf_counter() - started >= config.max_seconds


def _epoch_record(
    entry: dict[str, Any],
    *,
    seen: int,
    count: int,
    out_of_time: bool,
    epoch_start: float,
    history: list[dict[str, Any]],
    on_epoch: EpochCallback | None,
) -> None:
    """Close an epoch's history entry (its seconds; `partial` when the budget ran out inside it) and report it."""
    entry["seconds"] = time.perf_counter() - epoch_start
    if out_of_time and seen < count:
        entry["partial"] = seen / count  # the budget ran out inside this epoch
    history.append(entry)
    if on_epoch is not None:
        on_epoch(dict(entry))


def autoencoder_train(
    images: np.ndarray,
    config: RepresentationConfig,
    *,
    device: str | torch.device = "cpu",
    on_epoch: EpochCallback | None = None,
    side: tuple[int, int] = (SIDE, SIDE),
) -> TrainResult:
    """vanilla, linear, sparse, conv, denoising (and any MLP type on other image sizes via `side`).

    Objective per image: "bce" the pixel cross-entropy of the sigmoid output, "mse" half the
    squared error (UFLDL's ½‖x̂ − x‖², so its lambda and beta carry over); plus (weight_decay/2)·ΣW²,
    beta·Σ KL(rho‖rho_hat) over the batch (sparse) and l1_weight·‖code‖₁. History entries:
    "loss" (the objective), "recon" (squared error per image on the clean images), sparse also
    "kl" and "mean_activation".
    """
    images_check(images, side)
    denormals_flush()
    device = torch.device(device)
    model = model_build(config, side=side).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    data = torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1).to(device)  # uint8: 4x less memory
    order_gen = torch.Generator().manual_seed(config.seed)
    noise_gen = torch.Generator(device=device).manual_seed(config.seed + 1)
    denoising = config.model == "denoising"
    sparse = config.model == "sparse"

    history: list[dict[str, Any]] = []
    started = time.perf_counter()
    out_of_time = False
    for epoch in range(1, config.epochs + 1):
        epoch_start = time.perf_counter()
        sums = {"loss": 0.0, "recon": 0.0, "kl": 0.0, "mean_activation": 0.0}
        seen = 0
        batches = _epoch_batches(
            data.shape[0], config, epoch=epoch, order_gen=order_gen, device=device, optimizers=[optimizer],
            started=started,
        )  # fmt: skip
        for idx in batches:
            x = data[idx].float().div_(255.0)
            x_in = corrupt(x, config.corruption, config.corruption_level, noise_gen) if denoising else x
            code = model.encoder(x_in)
            if config.loss == "bce":
                logits = model.decode_logits(code)
                objective = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1).mean()
                out = torch.sigmoid(logits)
            else:
                out = model.decoder(code)
                objective = 0.5 * (out - x).pow(2).flatten(1).sum(1).mean()
            loss = objective
            if config.weight_decay:
                loss = loss + 0.5 * config.weight_decay * weights_squared(model)
            if sparse:
                rho_hat = code.mean(0)
                kl = sparsity_kl(config.sparsity_target, rho_hat)
                loss = loss + config.sparsity_weight * kl
            if config.l1_weight:
                loss = loss + config.l1_weight * code.abs().sum(1).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            n = x.shape[0]
            seen += n
            with torch.no_grad():
                sums["loss"] += float(loss) * n
                sums["recon"] += float((out - x).pow(2).sum())
                if sparse:
                    sums["kl"] += float(kl) * n
                    sums["mean_activation"] += float(rho_hat.mean()) * n
            if _out_of_time(config, started):
                out_of_time = True
                break
        entry: dict[str, Any] = {
            "epoch": epoch,
            "epochs": config.epochs,
            "loss": sums["loss"] / seen,
            "recon": sums["recon"] / seen,
        }
        if sparse:
            entry.update(kl=sums["kl"] / seen, mean_activation=sums["mean_activation"] / seen)
        if not math.isfinite(entry["loss"]):
            raise FloatingPointError(f"training diverged at epoch {epoch} (loss {entry['loss']}); try a lower lr")
        _epoch_record(
            entry, seen=seen, count=data.shape[0], out_of_time=out_of_time, epoch_start=epoch_start,
            history=history, on_epoch=on_epoch,
        )  # fmt: skip
        if out_of_time:
            break
    return _result(model, history, config, started, images.shape[0], stopped=out_of_time and epoch < config.epochs)


def gan_train(
    images: np.ndarray,
    config: RepresentationConfig,
    *,
    device: str | torch.device = "cpu",
    on_epoch: EpochCallback | None = None,
) -> TrainResult:
    """A DCGAN (Radford et al. 2016): Adam(lr, beta1 0.5), the non-saturating generator loss.

    History entries: "loss" (the generator's), "d_loss", "d_real" and "d_fake" (the mean probability
    the discriminator gives real and generated images)."""
    images_check(images)
    denormals_flush()
    device = torch.device(device)
    model = model_build(config).to(device).train()
    generator, discriminator = model.decoder, model.discriminator
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=config.lr, betas=(0.5, 0.999))
    data = torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1).to(device)
    order_gen = torch.Generator().manual_seed(config.seed)
    noise_gen = torch.Generator(device=device).manual_seed(config.seed + 1)
    history: list[dict[str, Any]] = []
    started = time.perf_counter()
    out_of_time = False
    for epoch in range(1, config.epochs + 1):
        epoch_start = time.perf_counter()
        sums = {"loss": 0.0, "d_loss": 0.0, "d_real": 0.0, "d_fake": 0.0}
        seen = 0
        batches = _epoch_batches(
            data.shape[0], config, epoch=epoch, order_gen=order_gen, device=device, optimizers=[opt_g, opt_d],
            started=started,
        )  # fmt: skip
        for idx in batches:
            if idx.shape[0] < 2:  # a last batch of one image: batch norm cannot train on a single one
                continue
            real = data[idx].float().div_(255.0)
            n = real.shape[0]
            z = torch.randn((n, config.code), generator=noise_gen, device=device)
            fake = generator(z)
            d_real, d_fake = discriminator(real), discriminator(fake.detach())
            d_loss = F.binary_cross_entropy_with_logits(
                d_real, torch.ones_like(d_real)
            ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            g_score = discriminator(fake)
            g_loss = F.binary_cross_entropy_with_logits(g_score, torch.ones_like(g_score))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            seen += n
            sums["loss"] += float(g_loss.detach()) * n
            sums["d_loss"] += float(d_loss.detach()) * n
            sums["d_real"] += float(torch.sigmoid(d_real.detach()).sum())
            sums["d_fake"] += float(torch.sigmoid(d_fake.detach()).sum())
            if _out_of_time(config, started):
                out_of_time = True
                break
        entry: dict[str, Any] = {"epoch": epoch, "epochs": config.epochs}
        entry.update({key: value / seen for key, value in sums.items()})
        if not math.isfinite(entry["loss"]) or not math.isfinite(entry["d_loss"]):
            raise FloatingPointError(f"GAN training diverged at epoch {epoch}; try a lower lr")
        _epoch_record(
            entry, seen=seen, count=data.shape[0], out_of_time=out_of_time, epoch_start=epoch_start,
            history=history, on_epoch=on_epoch,
        )  # fmt: skip
        if out_of_time:
            break
    return _result(model, history, config, started, images.shape[0], stopped=out_of_time and epoch < config.epochs)


def _result(
    model: nn.Module, history: list, config: RepresentationConfig, started: float, count: int, *, stopped: bool
) -> TrainResult:
    model.eval()
    last = history[-1]
    metrics: dict[str, Any] = {
        "train_loss": last["loss"],
        "epochs_run": len(history),
        "seconds": time.perf_counter() - started,
        "stopped_by_budget": stopped,
        "parameters": parameters_count(model),
        "train_images": int(count),
    }
    if "recon" in last:
        metrics["train_recon"] = last["recon"]
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    return TrainResult(state=state, history=history, metrics=metrics, config=config)


def _vae(images: np.ndarray, config: RepresentationConfig, device, on_epoch) -> TrainResult:
    """The shared conv VAE's loop (ELBO: Bernoulli cross-entropy + beta·KL, in nats per image)."""
    denormals_flush()
    trained = vae_train(images, None, vae_config(config), device=device, on_epoch=on_epoch)
    state = {f"vae.{key}": value for key, value in trained.state.items()}
    return TrainResult(state=state, history=trained.history, metrics=dict(trained.metrics), config=config)


def _baseline(images: np.ndarray, config: RepresentationConfig, on_epoch) -> TrainResult:
    started = time.perf_counter()
    extra: dict[str, Any] = {}
    state: dict[str, torch.Tensor] = {}
    if config.model == "pca":
        estimator = PcaRepresentation(config.code, seed=config.seed).fit(images)
        state = {key: torch.from_numpy(value) for key, value in estimator.linear_state().items()}
        metrics: dict[str, Any] = {"explained_variance": float(estimator.explained_variance_ratio_.sum())}
    elif config.model == "tsne":
        estimator = TsneMap(perplexity=config.perplexity, seed=config.seed).fit(images)
        extra["embedding"] = estimator.embedding_
        metrics = {}
    else:
        estimator = UmapMap(n_neighbors=config.neighbors, min_dist=config.min_dist, seed=config.seed).fit(images)
        extra["embedding"] = estimator.embedding_
        metrics = {}
    seconds = time.perf_counter() - started
    extra["estimator"] = estimator
    history = [{"epoch": 1, "epochs": 1, "loss": 0.0, "seconds": seconds}]
    if on_epoch is not None:
        on_epoch(dict(history[0]))
    metrics.update(fit_seconds=seconds, seconds=seconds, epochs_run=1, train_images=int(images.shape[0]))
    return TrainResult(state=state, history=history, metrics=metrics, config=config, extra=extra)


def representation_train(
    images: np.ndarray,
    labels: np.ndarray | None,
    config: RepresentationConfig,
    *,
    device: str | torch.device = "cpu",
    on_epoch: EpochCallback | None = None,
) -> TrainResult:
    """Train (or fit) `config.model` on uint8 N×28×28 images; labels are not used (kept for the common signature).

    `config.train_count` keeps the first N images. For "tsne" and "umap", `images` are the points to
    map (the test split, for the maps); their 2-D points are `extra["embedding"]`.
    """
    images_check(images)
    if config.train_count is not None:
        images = images[: config.train_count]
    if config.is_baseline:
        return _baseline(images, config, on_epoch)
    if config.model == "vae":
        return _vae(images, config, device, on_epoch)
    if config.model == "gan":
        return gan_train(images, config, device=device, on_epoch=on_epoch)
    return autoencoder_train(images, config, device=device, on_epoch=on_epoch)
