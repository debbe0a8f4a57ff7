"""Training the denoiser on random noisy patches (torch; workers and the training script)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from PIL import Image

from .config import SIGMA_WEIGHT_FLOOR, DenoiserConfig
from .model import DenoiserNet, denoiser_build, parameters_count
from .patches import DevicePatchSampler

VAL_SIGMAS = (15.0, 25.0, 50.0)  # the standard benchmark levels, checked after every epoch

EpochCallback = Callable[[dict[str, Any]], None]
LogCallback = Callable[[dict[str, Any]], None]


@dataclass
class DenoiserTrainResult:
    state: dict[str, torch.Tensor]  # CPU state_dict of the final model
    history: list[dict[str, Any]]  # one entry per epoch, as passed to on_epoch
    metrics: dict[str, Any]
    config: DenoiserConfig
    val_images: int = 0
    notes: list[str] = field(default_factory=list)

    def model(self, device: str | torch.device = "cpu") -> DenoiserNet:
        net = denoiser_build(self.config)
        net.load_state_dict(self.state)
        return net.to(device).eval()


def images_prepare(images: list[np.ndarray], channels: int) -> list[np.ndarray]:
    """float32 H×W×channels images on 0..1 (alpha dropped, colour to luma or gray to RGB as needed)."""
    out = []
    for i, image in enumerate(images):
        arr = np.asarray(image)
        if arr.ndim == 2:
            arr = arr[..., None]
        if arr.ndim != 3 or arr.shape[2] not in (1, 2, 3, 4):
            raise ValueError(f"image {i}: expected H×W or H×W×C, got shape {arr.shape}")
        if arr.shape[2] in (2, 4):
            arr = arr[..., :-1]
        scale = 255.0 if arr.dtype == np.uint8 else 1.0
        arr = arr.astype(np.float32) / np.float32(scale)
        if channels == 1 and arr.shape[2] == 3:
            arr = (arr @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[..., None]  # ITU-R 601 luma
        elif channels == 3 and arr.shape[2] == 1:
            arr = np.repeat(arr, 3, axis=2)
        out.append(np.ascontiguousarray(arr))
    return out


def _pyramid(images: list[np.ndarray], scales: tuple[float, ...], patch: int) -> list[np.ndarray]:
    """Each image at each scale (DnCNN's rescaling augmentation), keeping those a patch fits in."""
    out = []
    for image in images:
        h, w = image.shape[:2]
        for scale in scales:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            if min(size) < patch:
                continue
            if scale == 1.0:
                out.append(image)
                continue
            planes = [
                np.asarray(Image.fromarray(image[..., c]).resize(size, Image.BICUBIC)) for c in range(image.shape[2])
            ]
            out.append(np.clip(np.stack(planes, axis=2), 0.0, 1.0))
    if not out:
        raise ValueError(f"no training image is at least {patch}×{patch} pixels")
    return out


def cpu_bf16_native() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX). Elsewhere oneDNN emulates it: on
    a 2-core AVX2 EPYC the denoiser trained 0.5 steps a second in bf16 against 6.9 in fp32 (13× slower)."""
    return torch.backends.mkldnn.is_available() and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def train_precision(config: DenoiserConfig, device: str | torch.device) -> tuple[torch.dtype | None, bool]:
    """(autocast dtype or None, channels_last) that `config` asks for on `device` ("auto": CUDA only).

    amp="bf16" on a CPU without native bf16 trains in fp32: a command written on a machine that had
    it (one of the shipped weights' runs was) must not run an order of magnitude slower elsewhere.
    """
    cuda = torch.device(device).type == "cuda"
    amp = {"auto": cuda, "bf16": cuda or cpu_bf16_native(), "off": False}[config.amp]
    channels_last = {"auto": cuda, "on": True, "off": False}[config.channels_last]
    return (torch.bfloat16 if amp else None), channels_last


class TrainStep:
    """One optimisation step of `model` on a batch already on its device; returns the loss as a
    device tensor, so nothing waits for the device to finish (the caller reads it when it must)."""

    def __init__(self, model: DenoiserNet, config: DenoiserConfig, device: str | torch.device) -> None:
        self.model, self.device = model, torch.device(device)
        self.autocast, self.channels_last = train_precision(config, self.device)
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        lr, _ = config.lr_scaled()
        # fused Adam: one kernel for every parameter's update instead of several per tensor
        fused = True if self.device.type == "cuda" else None
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=config.weight_decay, fused=fused)
        self.loss_fn = torch.nn.functional.mse_loss if config.loss == "l2" else torch.nn.functional.l1_loss
        self.sigma_floor = SIGMA_WEIGHT_FLOOR / 255.0 if config.loss_weight == "sigma" else None

    def loss(self, out: torch.Tensor, clean: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """The batch's loss: the plain mean, or with loss_weight "sigma" each patch's mean weighted by
        1 / max(sigma, floor), normalised by the weights so the loss keeps its scale."""
        if self.sigma_floor is None:
            return self.loss_fn(out, clean)
        per_patch = self.loss_fn(out, clean, reduction="none").flatten(1).mean(dim=1)
        weight = 1.0 / sigma.float().clamp_min(self.sigma_floor)
        return (per_patch * weight).sum() / weight.sum()

    def lr_set(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def __call__(self, clean: torch.Tensor, noisy: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        if self.channels_last:
            noisy = noisy.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=self.autocast or torch.bfloat16, enabled=self.autocast is not None):
            out = self.model(noisy, sigma)
        loss = self.loss(out.float(), clean, sigma)  # the loss in fp32 whatever the convolutions ran in
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.detach()


ValCrop = tuple[np.ndarray, np.ndarray, float]


def _val_set(images: list[np.ndarray], size: int, multiple: int, seed: int) -> list[ValCrop]:
    """(clean, noisy, sigma) centre crops at each of VAL_SIGMAS, with fixed noise."""
    rng = np.random.default_rng(seed + 7919)
    out = []
    for image in images:
        h, w = image.shape[:2]
        ch = min(size, h) // multiple * multiple
        cw = min(size, w) // multiple * multiple
        if ch < multiple or cw < multiple:
            continue
        top, left = (h - ch) // 2, (w - cw) // 2
        clean = image[top : top + ch, left : left + cw].transpose(2, 0, 1)
        for sigma in VAL_SIGMAS:
            noisy = clean + rng.normal(0, sigma / 255.0, clean.shape).astype(np.float32)
            out.append((clean, noisy, sigma))
    return out


def _val_psnr(model: DenoiserNet, val: list[ValCrop], device: str | torch.device) -> dict[float, float]:
    by_sigma: dict[float, list[float]] = {s: [] for s in VAL_SIGMAS}
    model.eval()
    with torch.inference_mode():
        for clean, noisy, sigma in val:
            x = torch.from_numpy(noisy[None]).to(device)
            y = model(x, sigma / 255.0).clamp(0, 1).cpu().numpy()[0]
            mse = float(np.mean((y - clean) ** 2, dtype=np.float64))
            by_sigma[sigma].append(10 * math.log10(1.0 / max(mse, 1e-12)))
    model.train()
    return {s: float(np.mean(v)) for s, v in by_sigma.items() if v}


def denoiser_train(
    images: list[np.ndarray],
    config: DenoiserConfig,
    *,
    device: str | torch.device = "cpu",
    on_epoch: EpochCallback | None = None,
    val_images: list[np.ndarray] | None = None,
    on_log: LogCallback | None = None,
    initial_state: dict[str, torch.Tensor] | None = None,
) -> DenoiserTrainResult:
    """Train a denoiser on random patches of `images` (uint8 or float 0..1, gray or colour).

    Each patch gets its own sigma, uniform in [sigma_min, sigma_max], so one model learns every
    level. Validation PSNR is measured after every epoch on fixed noisy centre crops (sigma 15,
    25, 50) of `val_images`, or of `val_fraction` of `images` held out when none are given.
    The learning rate follows a cosine from lr to lr_min over the run; with max_seconds set,
    progress is the larger of steps done and time used, so a budgeted run still anneals.
    on_epoch gets {"epoch", "epochs", "loss", "psnr", "seconds", ...}; on_log, every
    `log_every` steps, {"step", "steps", "epoch", "epochs", "loss", "lr"} with the mean loss of
    those steps. An exception raised in either stops training and propagates (that is how a job
    is cancelled). Patches and noise are drawn on `device` (DevicePatchSampler) and the loss is
    read back only for these callbacks, so a GPU is never held up by the host between them.
    initial_state (a state_dict of the same architecture) starts from trained weights: that is how
    a short run on a CPU continues an earlier one instead of starting again.
    """
    if not images:
        raise ValueError("images: no training images given")
    started = time.monotonic()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    data = images_prepare(images, config.channels)
    notes: list[str] = []
    if val_images is not None:
        val_data = images_prepare(val_images, config.channels)
    else:
        n_val = int(round(len(data) * config.val_fraction))
        if len(data) > 1 and config.val_fraction > 0:
            n_val = max(1, n_val)
        if n_val and len(data) - n_val >= 1:
            order = rng.permutation(len(data))
            val_data = [data[i] for i in order[:n_val]]
            data = [data[i] for i in order[n_val:]]
        else:
            val_data = data
            notes.append("validation on the training images (too few images to hold any out)")

    model = denoiser_build(config)
    if initial_state is not None:
        model.load_state_dict(initial_state)  # copies into the model's dtype (shipped weights are fp16)
    model = model.to(device)
    # the pyramid's list is dropped once packed: the sampler's flat tensor is the one copy kept
    sampler = DevicePatchSampler(
        _pyramid(data, config.scales, config.patch_size), config.patch_size, device=device, seed=config.seed
    )
    val = _val_set(val_data, config.val_patch_size, model.multiple, config.seed)
    train_step = TrainStep(model, config, device)
    speedups = ["bf16 autocast"] * (train_step.autocast is not None) + ["channels_last"] * train_step.channels_last
    if speedups:
        notes.append("trained with " + " and ".join(speedups))
    if config.amp == "bf16" and train_step.autocast is None:
        notes.append("trained in fp32, not bf16 as configured: this CPU has no native bf16")
    lr_max, lr_min = config.lr_scaled()
    steps_per_epoch = max(1, config.patches_per_epoch // config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    sig_lo, sig_hi = config.sigma_min / 255.0, config.sigma_max / 255.0

    history: list[dict[str, Any]] = []
    step = 0
    psnrs: dict[float, float] = {}
    # Losses add up on the device; the host reads them every log_every steps and at epoch end.
    epoch_loss = torch.zeros((), device=device)
    window_loss = torch.zeros((), device=device)
    window_steps = 0
    model.train()
    for epoch in range(1, config.epochs + 1):
        epoch_started = time.monotonic()
        epoch_loss.zero_()
        for _ in range(steps_per_epoch):
            progress = step / total_steps
            if config.max_seconds:
                progress = max(progress, (time.monotonic() - started) / config.max_seconds)
            lr = lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * min(1.0, progress)))
            train_step.lr_set(lr)
            loss = train_step(*sampler.batch(config.batch_size, sig_lo, sig_hi))
            epoch_loss += loss
            window_loss += loss
            window_steps += 1
            step += 1
            if on_log is not None and window_steps == config.log_every:
                entry = {"step": step, "steps": total_steps, "epoch": epoch, "epochs": config.epochs,
                         "loss": float(window_loss) / window_steps, "lr": lr}  # fmt: skip
                window_loss.zero_()
                window_steps = 0
                on_log(entry)
        psnrs = _val_psnr(model, val, device)
        entry = {
            "epoch": epoch,
            "epochs": config.epochs,
            "loss": float(epoch_loss) / steps_per_epoch,
            "psnr": float(np.mean(list(psnrs.values()))) if psnrs else float("nan"),
            "seconds": time.monotonic() - epoch_started,
            "lr": lr,
            **{f"psnr_sigma{int(s)}": v for s, v in psnrs.items()},
        }
        history.append(entry)
        if on_epoch is not None:
            on_epoch(dict(entry))
        if config.max_seconds and time.monotonic() - started >= config.max_seconds:
            if epoch < config.epochs:
                notes.append(f"stopped after epoch {epoch} of {config.epochs}: max_seconds reached")
            break

    metrics = {
        "psnr_val": history[-1]["psnr"],
        **{f"psnr_val_sigma{int(s)}": v for s, v in psnrs.items()},
        "epochs_run": len(history),
        "steps": step,
        "patches_seen": step * config.batch_size,
        "train_seconds": time.monotonic() - started,
        "parameters": parameters_count(model),
        "train_images": len(data),
        "val_images": len(val_data),
    }
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    return DenoiserTrainResult(state, history, metrics, config, len(val_data), notes)
