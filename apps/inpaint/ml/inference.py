"""Filling the hole of a whole image of any size with either model (torch; workers only).

Colour: the grey models fill each colour plane (R, G, B) as a separate grey image with the same
mask, in one batch; alpha is passed through untouched. Large images are cut into overlapping
tiles (apps.core.ml.tiles) run a few at a time and blended with sin² weights. The items model
sees 28×28 tiles (a 28×28 item is one tile), the photo model tiles of `tile` pixels (1024 by
default, so a 1 MP photo is one pass). The photo model corrects an initial fill (OpenCV's
Navier–Stokes by default) computed on the whole image before tiling. The known pixels of the
result are the input's, exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from apps.core.ml.tiles import tiles_plan

from .baselines import base_fill
from .config import ITEM_SIZE

Progress = Callable[[float], None]


def image_inpaint(
    model,
    image: np.ndarray,
    mask: np.ndarray,
    *,
    device: str = "cpu",
    progress: Progress | None = None,
    tile: int | None = None,
    overlap: int | None = None,
    batch: int | None = None,
    colour: str = "auto",
) -> np.ndarray:
    """`image` (uint8 H×W or H×W×C, C in 1..4, alpha the last of 2 or 4) with the pixels under `mask`
    (bool H×W, True = missing) filled by `model`; uint8 of the same shape.

    colour (RGB photos): "planes" runs the net on R, G and B; "luma" runs it on the luminance only and
    fills the chroma (RGB minus luminance, smooth) with the cheap initial fill, a third of the work;
    "auto": planes up to LUMA_FROM pixels, luma above (a 1 MP photo in seconds on 2 cores).
    progress(fraction) is called after each batch of tiles.
    """
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise ValueError(f"image_inpaint takes uint8 images, not {arr.dtype}")
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 2, 3, 4)) or arr.size == 0:
        raise ValueError(f"expected an H×W or H×W×C image with C in 1..4, got shape {arr.shape}")
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != arr.shape[:2]:
        raise ValueError(f"the mask is {mask.shape} but the image is {arr.shape[:2]}")
    squeeze = arr.ndim == 2
    x = arr[..., None] if squeeze else arr
    colours = x.shape[2] - 1 if x.shape[2] in (2, 4) else x.shape[2]
    out = x.copy()
    items = model.config.model == "items"
    if colour not in ("auto", "planes", "luma"):
        raise ValueError(f"colour must be 'auto', 'planes' or 'luma', not {colour!r}")
    luma = colour == "luma" or (colour == "auto" and mask.size > LUMA_FROM)
    if mask.any() and colours == 3 and not items and luma:
        out[..., :3][mask] = _luma_fill(model, x[..., :3], mask, tile, overlap, batch, device, progress)[mask]
    elif mask.any():
        planes = np.moveaxis(x[..., :colours], 2, 0).astype(np.float32) / 255.0  # K×H×W
        size = ITEM_SIZE if items else int(tile or 1024)
        ov = (8 if items else 128) if overlap is None else int(overlap)
        bases = None if items else base_fill(model.config.base, np.moveaxis(x[..., :colours], 2, 0), mask)
        filled = _planes_fill(model, planes, bases, mask, size, ov, batch or (256 if items else 1), device, progress)
        values = np.clip(np.rint(np.moveaxis(filled, 0, 2) * 255.0), 0, 255).astype(np.uint8)
        out[..., :colours][mask] = values[mask]
    elif progress is not None:
        progress(1.0)
    return out[..., 0] if squeeze else out


LUMA_FROM = 600_000  # pixels: larger RGB photos are filled in luma mode by default
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _luma_fill(model, rgb: np.ndarray, mask: np.ndarray, tile, overlap, batch, device, progress) -> np.ndarray:
    """RGB filled as luminance by the net plus chroma by the initial fill (uint8 H×W×3)."""
    y = rgb.astype(np.float32) @ _LUMA  # H×W in 0..255
    y8 = np.clip(np.rint(y), 0, 255).astype(np.uint8)
    luma = image_inpaint(
        model, y8, mask, device=device, progress=progress, tile=tile, overlap=overlap, batch=batch, colour="planes"
    ).astype(np.float32)
    # chroma = RGB − Y lies in −255..255; halved and offset to fit the 8-bit fills, then undone
    chroma = np.clip(np.rint((rgb.astype(np.float32) - y[..., None]) / 2 + 128), 0, 255).astype(np.uint8)
    kind = "navier_stokes" if model.config.base == "pushpull" else model.config.base
    filled = base_fill(kind, np.moveaxis(chroma, 2, 0), mask) * 255.0  # 3×H×W
    out = luma[..., None] + (np.moveaxis(filled, 0, 2) - 128.0) * 2
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _planes_fill(
    model,
    planes: np.ndarray,
    bases: np.ndarray | None,
    mask: np.ndarray,
    size: int,
    overlap: int,
    batch: int,
    device,
    progress,
) -> np.ndarray:
    """K×H×W float planes, one mask, filled tile by tile (tiles smaller than the net needs are mirrored up)."""
    count, height, width = planes.shape
    fixed = model.config.model == "items"  # the items net takes exactly 28×28
    th, tw = (size, size) if fixed else (min(size, height), min(size, width))
    align = getattr(model, "multiple", 1)
    plan = tiles_plan(
        max(height, th), max(width, tw), max(th, tw) if th == tw else size, overlap, 1 if fixed else align
    )
    padded_h, padded_w = max(height, th), max(width, tw)
    if (padded_h, padded_w) != (height, width):
        pads = ((0, 0), (0, padded_h - height), (0, padded_w - width))
        planes = np.pad(planes, pads, mode="symmetric")
        bases = None if bases is None else np.pad(bases, pads, mode="symmetric")
        mask = np.pad(mask, ((0, padded_h - height), (0, padded_w - width)), mode="symmetric")
    out = np.zeros((count, padded_h, padded_w), dtype=np.float32)
    weights = np.zeros((padded_h, padded_w), dtype=np.float32)
    for top, left, weight in plan:
        weights[top : top + weight.shape[0], left : left + weight.shape[1]] += weight
    jobs = [(k, top, left, weight) for top, left, weight in plan for k in range(count)]
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(jobs), batch):
                chunk = jobs[start : start + batch]
                xs = np.stack([planes[k, t : t + w.shape[0], c : c + w.shape[1]] for k, t, c, w in chunk])
                ms = np.stack([mask[t : t + w.shape[0], c : c + w.shape[1]] for _k, t, c, w in chunk])
                x = torch.from_numpy(xs).unsqueeze(1).to(device)
                m = torch.from_numpy(ms.astype(np.float32)).unsqueeze(1).to(device)
                b = None
                if bases is not None:
                    bs = np.stack([bases[k, t : t + w.shape[0], c : c + w.shape[1]] for k, t, c, w in chunk])
                    b = torch.from_numpy(bs).unsqueeze(1).to(device)
                y = model(x, m, b).squeeze(1).float().cpu().numpy()
                for (k, t, c, w), piece in zip(chunk, y, strict=True):
                    out[k, t : t + w.shape[0], c : c + w.shape[1]] += piece * w
                if progress is not None:
                    progress(min(1.0, (start + len(chunk)) / len(jobs)))
    finally:
        model.train(was_training)
    out /= weights[None]
    return out[:, :height, :width]
