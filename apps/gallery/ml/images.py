"""NumPy helpers on uint8 image batches: tiling, noise, PSNR (no torch: the web may use them)."""

from __future__ import annotations

import numpy as np


def probabilities_to_uint8(probs: np.ndarray) -> np.ndarray:
    """Intensities in [0, 1] → uint8 0..255, rounded to nearest."""
    return np.clip(np.rint(np.asarray(probs, dtype=np.float64) * 255.0), 0, 255).astype(np.uint8)


def images_tile(images: np.ndarray, rows: int, cols: int, *, pad: int = 0, fill: int = 0) -> np.ndarray:
    """N×h×w images laid out row by row on a rows×cols grid (N ≤ rows·cols), `pad` pixels between."""
    images = np.asarray(images)
    count, h, w = images.shape
    if count > rows * cols:
        raise ValueError(f"images: {count} do not fit a {rows}×{cols} grid")
    out = np.full((rows * h + (rows - 1) * pad, cols * w + (cols - 1) * pad), fill, dtype=images.dtype)
    for i in range(count):
        r, c = divmod(i, cols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = images[i]
    return out


def noise_add(images: np.ndarray, std: float, seed: int) -> np.ndarray:
    """Gaussian noise of `std` (on intensities in [0, 1]) added to uint8 images, clipped and requantised."""
    rng = np.random.default_rng(seed)
    noisy = images.astype(np.float64) / 255.0 + rng.normal(0.0, std, size=images.shape)
    return probabilities_to_uint8(noisy)


def psnr(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Peak signal-to-noise ratio in dB per image (peak 255) of N×h×w uint8 batches."""
    ref = np.asarray(reference, dtype=np.float64)
    oth = np.asarray(other, dtype=np.float64)
    if ref.shape != oth.shape:
        raise ValueError(f"shapes differ: {ref.shape} vs {oth.shape}")
    mse = ((ref - oth) ** 2).reshape(ref.shape[0], -1).mean(axis=1)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(255.0**2 / mse)
