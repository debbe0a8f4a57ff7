"""Per-pixel error maps as colour images, for the web (NumPy and Pillow only: no torch, no Django).

Maps are coloured on a FIXED range, the detector's model-wide `error_scale_` (a high percentile of
its training images' pixel errors), never on each image's own maximum: scaled per image, a normal
image's tiny errors would fill the colour range and look as alarming as an anomaly's.

    rgb = heatmap_rgb(detector.error_maps(images), detector.error_scale_)  # N×28×28×3 uint8
    data = png_bytes(rgb[0], upscale=8)  # a 224×224 PNG with crisp pixels
"""

from __future__ import annotations

import io

import numpy as np

# Anchor colours of a perceptually ordered dark-to-bright scale (close to matplotlib's "inferno"):
# zero error is black, the fixed scale and above is pale yellow.
_ANCHORS = np.array(
    [[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21], [250, 193, 39],
     [252, 255, 164]],
    dtype=np.float64,
)  # fmt: skip
LUT_SIZE = 256


def _lut() -> np.ndarray:
    positions = np.linspace(0.0, 1.0, len(_ANCHORS))
    steps = np.linspace(0.0, 1.0, LUT_SIZE)
    channels = [np.interp(steps, positions, _ANCHORS[:, c]) for c in range(3)]
    return np.round(np.stack(channels, axis=1)).astype(np.uint8)


COLOURS = _lut()  # LUT_SIZE×3 uint8


def heatmap_rgb(maps: np.ndarray, scale: float) -> np.ndarray:
    """Error maps (N×H×W, or one H×W) → uint8 RGB (N×H×W×3, or H×W×3): error/scale clipped to [0, 1], coloured.

    The same error gives the same colour in every image, whatever else the image holds."""
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale: must be a positive number, got {scale}")
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim not in (2, 3):
        raise ValueError(f"maps: expected H×W or N×H×W, got shape {maps.shape}")
    level = np.clip(np.nan_to_num(maps / scale, nan=1.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    return COLOURS[np.round(level * (LUT_SIZE - 1)).astype(np.intp)]


def png_bytes(array: np.ndarray, upscale: int = 1) -> bytes:
    """A PNG of one image: H×W grey or H×W×3 RGB, uint8 or floats in [0, 1]; each pixel becomes an
    upscale×upscale block (nearest neighbour), so small images stay crisp when shown large."""
    from PIL import Image

    array = np.asarray(array)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise ValueError(f"array: expected H×W or H×W×3, got shape {array.shape}")
    if upscale < 1:
        raise ValueError("upscale: must be at least 1")
    if array.dtype != np.uint8:
        array = np.round(np.clip(np.nan_to_num(array.astype(np.float64)), 0.0, 1.0) * 255).astype(np.uint8)
    if upscale > 1:
        array = np.repeat(np.repeat(array, upscale, axis=0), upscale, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array), mode="RGB" if array.ndim == 3 else "L").save(buffer, format="PNG")
    return buffer.getvalue()
