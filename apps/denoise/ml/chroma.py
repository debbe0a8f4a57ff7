"""Training a grayscale denoiser's chroma net on colour photos (torch; workers and the training script).

A grayscale model denoises colour in an orthonormal opponent space (inference.OPPONENT), each plane
on its own. Its chroma net (model.chroma_from_gray) denoises the two chroma planes while reading
the luminance, as the grayscale net denoised it, and the other noisy chroma plane as guides; it
starts as the grayscale net, so training only adds what the guides tell. The grayscale net (and
so the luminance and every grayscale image) is left as it is.

Patches are drawn in RGB on the device and moved into the opponent space there, where i.i.d. RGB
noise (an upload's) is i.i.d. too; each patch gives two samples, one per chroma plane.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from .config import DenoiserConfig
from .inference import OPP_OFFSET, OPP_SCALE, OPPONENT, image_denoise
from .model import chroma_from_gray, denoiser_build, parameters_count
from .patches import DevicePatchSampler
from .train import (
    VAL_SIGMAS,
    DenoiserTrainResult,
    EpochCallback,
    LogCallback,
    TrainStep,
    _pyramid,
    images_prepare,
    train_loop,
)


def chroma_train(
    images: list[np.ndarray],
    config: DenoiserConfig,
    initial_state: dict[str, torch.Tensor],
    *,
    val_images: list[np.ndarray],
    device: str | torch.device = "cpu",
    on_epoch: EpochCallback | None = None,
    on_log: LogCallback | None = None,
) -> DenoiserTrainResult:
    """Train the chroma net of the grayscale denoiser `initial_state` on colour `images` (RGB,
    uint8 or float 0..1); config.chroma must be True, and its architecture that of the state.

    A state without chroma weights starts its chroma net as the grayscale net; one with them
    continues them. Validation: RGB PSNR of the whole model (luminance by the grayscale net) on
    fixed noisy centre crops of `val_images` at sigma 15, 25 and 50, also measured before the
    first step (metrics "psnr_val_start_sigma*"), so the run shows what the guides added.
    Schedule, budget and callbacks: denoiser_train's.
    """
    if not config.chroma:
        raise ValueError("chroma_train trains a model whose config has chroma=True")
    if not images or not val_images:
        raise ValueError("chroma_train needs colour training and validation images")
    started = time.monotonic()
    torch.manual_seed(config.seed)
    data, val_data = images_prepare(images, 3), images_prepare(val_images, 3)
    model = denoiser_build(config)
    wrong = "initial_state is not a grayscale denoiser of this config's architecture"
    try:
        missing, unexpected = model.load_state_dict(initial_state, strict=False)
    except RuntimeError as exc:  # sizes that differ: another width, levels or convs
        raise ValueError(wrong) from exc
    if unexpected or any(not key.startswith("chroma.") for key in missing):
        raise ValueError(wrong)
    if missing:
        model.chroma = chroma_from_gray(model)
    model = model.to(device)
    chroma = model.chroma
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    for parameter in chroma.parameters():
        parameter.requires_grad_(True)

    step = TrainStep(chroma, config, device)
    sampler = DevicePatchSampler(
        _pyramid(data, config.scales, config.patch_size), config.patch_size, device=device, seed=config.seed
    )
    val = _val_crops(val_data, config.val_patch_size, config.seed)
    opponent = torch.from_numpy(OPPONENT).to(device)
    offset = torch.from_numpy(OPP_OFFSET).to(device).view(1, 3, 1, 1)
    scale = torch.from_numpy(OPP_SCALE).to(device).view(1, 3, 1, 1)
    sig_lo, sig_hi = config.sigma_min / 255.0, config.sigma_max / 255.0
    half = max(1, config.batch_size // 2)

    def uniform(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, device=device, generator=sampler.generator)

    def batch() -> tuple[torch.Tensor, ...]:
        opp = torch.einsum("kc,nchw->nkhw", opponent, sampler.clean(half))
        # Five photos hold few colours: half the patches get their hue turned at random and their
        # saturation scaled by 0.5..1.5 (a rotation and scaling of the chroma plane, which leaves the
        # luminance, and so where the edges are, as it was).
        turn = 2 * torch.pi * uniform(half) * (uniform(half) < 0.5)
        gain = torch.where(turn > 0, 0.5 + uniform(half), torch.ones_like(turn)).view(-1, 1, 1)
        cos, sin = torch.cos(turn).view(-1, 1, 1), torch.sin(turn).view(-1, 1, 1)
        c1, c2 = opp[:, 1], opp[:, 2]
        opp = torch.stack([opp[:, 0], gain * (cos * c1 - sin * c2), gain * (sin * c1 + cos * c2)], dim=1)
        clean = opp * scale + offset
        # white RGB noise of std sigma is white in the orthonormal opponent planes too, then scaled
        sigma = sig_lo + (sig_hi - sig_lo) * uniform(half)
        noise = torch.randn(clean.shape, device=device, generator=sampler.generator)
        noisy = clean + noise * sigma.view(-1, 1, 1, 1) * scale
        # the guide is the luminance as the grayscale net denoises it, as at inference
        with torch.no_grad(), step.autocast_context():
            luma = model(noisy[:, :1], sigma * scale[0, 0, 0, 0]).float()
        # plane 1 with guides (luminance, plane 2), then plane 2 with (luminance, plane 1)
        target = torch.cat([clean[:, 1:2], clean[:, 2:3]])
        inputs = torch.cat([noisy[:, 1:2], noisy[:, 2:3]])
        guide = torch.cat([torch.cat([luma, noisy[:, 2:3]], 1), torch.cat([luma, noisy[:, 1:2]], 1)])
        return target, inputs, torch.cat([sigma * scale[0, 1, 0, 0], sigma * scale[0, 2, 0, 0]]), guide

    def validate() -> dict[float, float]:
        return _val_psnr(model, val, device)

    notes: list[str] = []
    start = validate()
    history, steps, psnrs = train_loop(
        step,
        batch,
        validate,
        config,
        started=started,
        notes=notes,
        on_epoch=on_epoch,
        on_log=on_log,
    )
    metrics = {
        "psnr_val": history[-1]["psnr"],
        **{f"psnr_val_sigma{int(s)}": v for s, v in psnrs.items()},
        **{f"psnr_val_start_sigma{int(s)}": v for s, v in start.items()},
        "epochs_run": len(history),
        "steps": steps,
        "patches_seen": steps * half,
        "train_seconds": time.monotonic() - started,
        "parameters": parameters_count(model),
        "chroma_parameters": parameters_count(chroma),
        "train_images": len(data),
        "val_images": len(val_data),
    }
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    return DenoiserTrainResult(state, history, metrics, config, len(val_data), notes)


ColourCrop = tuple[np.ndarray, np.ndarray, float]


def _val_crops(images: list[np.ndarray], size: int, seed: int) -> list[ColourCrop]:
    """(clean, noisy, sigma) RGB centre crops (H×W×3, 0..1) at each of VAL_SIGMAS, fixed noise."""
    rng = np.random.default_rng(seed + 7919)
    out = []
    for image in images:
        h, w = image.shape[:2]
        top, left = (h - min(size, h)) // 2, (w - min(size, w)) // 2
        clean = image[top : top + size, left : left + size]
        for sigma in VAL_SIGMAS:
            out.append((clean, clean + rng.normal(0, sigma / 255.0, clean.shape).astype(np.float32), sigma))
    return out


def _val_psnr(model, val: list[ColourCrop], device: str | torch.device) -> dict[float, float]:
    by_sigma: dict[float, list[float]] = {s: [] for s in VAL_SIGMAS}
    for clean, noisy, sigma in val:
        out = image_denoise(model, noisy, sigma, tile=None, device=device, data_range=1.0)
        mse = float(np.mean((out - clean) ** 2, dtype=np.float64))
        by_sigma[sigma].append(10 * np.log10(1.0 / max(mse, 1e-12)))
    return {s: float(np.mean(v)) for s, v in by_sigma.items() if v}
