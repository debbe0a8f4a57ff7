"""Denoising whole images of any size in overlapping tile batches (torch; workers only)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from apps.core.ml.tiles import tiles_plan

from .model import DenoiserNet
from .noise import image_range, noise_estimate

# Orthonormal opponent colour transform (rows: luminance, red-blue, red+blue-green). Being
# orthonormal, it keeps white noise white with the same sigma in every plane, so a grayscale
# model can denoise each plane; CBM3D denoises in a similar decorrelated space.
OPPONENT = np.array(
    [[1 / np.sqrt(3)] * 3, [1 / np.sqrt(2), 0.0, -1 / np.sqrt(2)], [1 / np.sqrt(6), -2 / np.sqrt(6), 1 / np.sqrt(6)]],
    dtype=np.float32,
)
# Per plane, scale and offset that bring RGB in [0, 1] back into [0, 1] (what the model knows).
_OPP_SCALE = np.array([1 / np.sqrt(3), 1 / np.sqrt(2), np.sqrt(6) / 4], dtype=np.float32)
_OPP_OFFSET = np.array([0.0, 0.5, 0.5], dtype=np.float32)

Progress = Callable[[float], None]


def image_denoise(
    model: DenoiserNet,
    image: np.ndarray,
    sigma: float | None,
    *,
    tile: int | None = 256,
    overlap: int = 32,
    batch: int = 4,
    device: str | torch.device = "cpu",
    progress: Progress | None = None,
    data_range: float | None = None,
    self_ensemble: bool = False,
) -> np.ndarray:
    """The denoised image, same shape and dtype as `image`.

    image: H×W or H×W×C (C = 1, 3, or 2/4 with an alpha channel that is passed through
    untouched), uint8 (0..255) or float (0..data_range, default 1). sigma: noise std on the
    0-255 scale, or None to estimate it from the image. The image is cut into `tile`-pixel
    tiles overlapping by `overlap`, run `batch` tiles at a time and blended, so memory stays
    bounded whatever the image size (tile=None: the whole image in one pass). progress gets
    the fraction done after each batch. A 1-channel model denoises RGB in an orthonormal
    opponent colour space plane by plane; a 3-channel model denoises grayscale as three equal
    planes (the noise, identical in the three, is then sqrt(3) sigma along the gray axis).
    self_ensemble: average the model over the 8 flips and quarter turns of every tile
    (geometric self-ensemble, Timofte et al. 2016; EDSR+): 8× the time, a fraction of a dB more.
    """
    arr = np.asarray(image)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 2, 3, 4)):
        raise ValueError(f"expected an H×W or H×W×C image with C in 1..4, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("empty image")
    scale = image_range(arr, data_range)
    squeeze = arr.ndim == 2
    x = arr[..., None] if squeeze else arr
    alpha = None
    if x.shape[2] in (2, 4):
        x, alpha = x[..., :-1], x[..., -1:]
    if sigma is None:
        sigma = noise_estimate(x, data_range=scale)
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma}")
    s = float(sigma) / 255.0
    height, width, colours = x.shape
    inv = np.float32(1.0 / scale)
    # Colour conversions run in row blocks so that, beside the input and output, only the K
    # float32 planes and the blending accumulator are ever whole-image sized.
    if model.channels == colours:
        stack = np.empty((1, height, width, colours), dtype=np.float32)
        for r in range(0, height, _ROWS):
            stack[0, r : r + _ROWS] = x[r : r + _ROWS] * inv
        den = _planes_denoise(model, stack, [s], tile, overlap, batch, device, progress, self_ensemble)

        def rows_back(r: int) -> np.ndarray:
            return den[0, r : r + _ROWS]
    elif model.channels == 1 and colours == 3:
        stack = np.empty((3, height, width, 1), dtype=np.float32)
        for r in range(0, height, _ROWS):
            opp = (x[r : r + _ROWS] * inv) @ OPPONENT.T * _OPP_SCALE + _OPP_OFFSET
            stack[:, r : r + _ROWS, :, 0] = np.moveaxis(opp, 2, 0)
        den = _planes_denoise(
            model, stack, [s * k for k in _OPP_SCALE], tile, overlap, batch, device, progress, self_ensemble
        )

        def rows_back(r: int) -> np.ndarray:
            return ((np.moveaxis(den[:, r : r + _ROWS, :, 0], 0, 2) - _OPP_OFFSET) / _OPP_SCALE) @ OPPONENT
    elif model.channels == 3 and colours == 1:
        stack = np.empty((1, height, width, 3), dtype=np.float32)
        for r in range(0, height, _ROWS):
            stack[0, r : r + _ROWS] = x[r : r + _ROWS] * inv
        den = _planes_denoise(model, stack, [s * np.sqrt(3)], tile, overlap, batch, device, progress, self_ensemble)

        def rows_back(r: int) -> np.ndarray:
            return den[0, r : r + _ROWS].mean(axis=2, keepdims=True)
    else:
        raise ValueError(f"a {model.channels}-channel model cannot denoise a {colours}-channel image")
    del stack

    out = np.empty(arr.shape if not squeeze else (height, width, 1), dtype=arr.dtype)
    for r in range(0, height, _ROWS):
        rows = np.clip(rows_back(r) * np.float32(scale), 0, scale)
        out[r : r + _ROWS, :, :colours] = np.rint(rows) if arr.dtype == np.uint8 else rows
    if alpha is not None:
        out[..., colours:] = alpha
    return out[..., 0] if squeeze else out


_ROWS = 256


def _planes_denoise(
    model: DenoiserNet,
    images: np.ndarray,
    sigmas: list[float],
    tile: int | None,
    overlap: int,
    batch: int,
    device: str | torch.device,
    progress: Progress | None,
    self_ensemble: bool = False,
) -> np.ndarray:
    """Denoise K images of one size (K×H×W×C, float32 0..1), each with its sigma, tile by tile."""
    count, height, width, channels = images.shape
    align = model.multiple
    pad_h, pad_w = (-height) % align, (-width) % align
    padded_h, padded_w = height + pad_h, width + pad_w
    size = max(padded_h, padded_w) if tile is None else max(align, int(tile) // align * align)
    ov = max(0, int(overlap)) // align * align
    plan = tiles_plan(padded_h, padded_w, size, ov, align)
    weight_sum = np.zeros((padded_h, padded_w), dtype=np.float32)
    for top, left, weight in plan:
        weight_sum[top : top + weight.shape[0], left : left + weight.shape[1]] += weight

    jobs = [(k, top, left, weight) for k in range(count) for top, left, weight in plan]
    out = np.zeros((count, padded_h, padded_w, channels), dtype=np.float32)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(jobs), max(1, batch)):
                chunk = jobs[start : start + max(1, batch)]
                tiles = np.stack([_tile_cut(images[k], top, left, w.shape, pad_h, pad_w) for k, top, left, w in chunk])
                x = torch.from_numpy(np.ascontiguousarray(tiles.transpose(0, 3, 1, 2))).to(device)
                sig = torch.tensor([sigmas[k] for k, *_ in chunk], dtype=torch.float32, device=device)
                y = _forward(model, x, sig, self_ensemble).float().cpu().numpy().transpose(0, 2, 3, 1)
                for (k, top, left, weight), tile_out in zip(chunk, y, strict=True):
                    th, tw = weight.shape
                    out[k, top : top + th, left : left + tw] += tile_out * weight[..., None]
                if progress is not None:
                    progress(min(1.0, (start + len(chunk)) / len(jobs)))
    finally:
        model.train(was_training)
    out /= weight_sum[None, ..., None]
    return out[:, :height, :width]


def _forward(model: DenoiserNet, x: torch.Tensor, sigma: torch.Tensor, self_ensemble: bool) -> torch.Tensor:
    """The model on a batch, or its mean over the 8 symmetries of the square (each undone on the
    output). The net is not equivariant to them, so its errors partly cancel in the mean."""
    if not self_ensemble:
        return model(x, sigma)
    total = torch.zeros_like(x, dtype=torch.float32)
    for turns in range(4):
        for flip in (False, True):
            t = torch.rot90(x, turns, dims=(2, 3))
            t = t.flip(3) if flip else t
            y = model(t, sigma).float()
            y = y.flip(3) if flip else y
            total += torch.rot90(y, -turns, dims=(2, 3))
    return total / 8


def _tile_cut(image: np.ndarray, top: int, left: int, shape: tuple[int, int], pad_h: int, pad_w: int) -> np.ndarray:
    """One tile of the image as if it had been mirror-padded to the aligned size (without padding it all)."""
    height, width = image.shape[:2]
    th, tw = shape
    piece = image[top : min(top + th, height), left : min(left + tw, width)]
    short_h, short_w = th - piece.shape[0], tw - piece.shape[1]
    if short_h or short_w:
        piece = np.pad(piece, ((0, short_h), (0, short_w), (0, 0)), mode="symmetric")
    return piece
