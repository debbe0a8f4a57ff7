"""Gaussian noise: adding it reproducibly and estimating its level in a photo (NumPy only).

σ is always on the 0-255 scale, whatever the image's dtype: uint8 images are on 0..255,
float images on 0..data_range (1.0 unless told otherwise).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import convolve


def image_range(image: np.ndarray, data_range: float | None = None) -> float:
    """The value that stands for white: 255 for uint8, `data_range` (default 1.0) for floats."""
    if data_range is not None:
        return float(data_range)
    if image.dtype == np.uint8:
        return 255.0
    if np.issubdtype(image.dtype, np.floating):
        return 1.0
    raise TypeError(f"images must be uint8 or float, not {image.dtype}")


def noise_add(image: np.ndarray, sigma: float, *, seed: int | None = None, clip: bool = True) -> np.ndarray:
    """`image` plus white Gaussian noise of std `sigma` (0-255 scale), same shape and dtype.

    uint8 images come back rounded and clipped (what an upload of the noisy image holds);
    float images come back clipped to [0, 1] unless `clip=False` (the benchmark protocol).
    """
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")
    rng = np.random.default_rng(seed)
    scale = image_range(image)
    noisy = image.astype(np.float64) + rng.normal(0.0, sigma * scale / 255.0, image.shape)
    if image.dtype == np.uint8:
        return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    if clip:
        noisy = np.clip(noisy, 0.0, scale)
    return noisy.astype(image.dtype)


def _planes(image: np.ndarray) -> np.ndarray:
    """H×W×C float64 with any alpha channel (2nd of 2, 4th of 4) left out."""
    x = np.asarray(image)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3:
        raise ValueError(f"expected an H×W or H×W×C image, got shape {image.shape}")
    if x.shape[2] in (2, 4):
        x = x[..., :-1]
    return x.astype(np.float64)


def noise_estimate_immerkaer(image: np.ndarray, data_range: float | None = None) -> float:
    """Immerkær's fast estimator (1996): a Laplacian-difference mask that cancels smooth content.

    Cheap and good on smooth photos; texture and edges leak into it, so it overestimates on
    detailed images and at low noise (see the unit tests for its stated error).
    """
    scale = 255.0 / image_range(image, data_range)
    x = _planes(image) * scale
    mask = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
    h, w = x.shape[:2]
    if h < 3 or w < 3:
        raise ValueError("noise estimation needs at least 3×3 pixels")
    total = 0.0
    for c in range(x.shape[2]):
        total += np.abs(convolve(x[..., c], mask, mode="reflect")[1:-1, 1:-1]).sum()
    return float(np.sqrt(np.pi / 2) * total / (6.0 * (w - 2) * (h - 2) * x.shape[2]))


def noise_estimate(
    image: np.ndarray,
    data_range: float | None = None,
    *,
    patch: int = 8,
    max_patches: int = 200_000,
) -> float:
    """Noise std (0-255 scale) by the PCA method of Chen, Zhu & Heng (ICCV 2015).

    Natural-image patches live near a low-dimensional subspace, so the smallest eigenvalues of
    the patch covariance are noise only: take the largest set of smallest eigenvalues whose mean
    equals their median. Colour channels enter one patch vector together. Memory stays bounded
    on large photos: patches are subsampled on a grid and the covariance summed in row blocks.
    """
    scale = 255.0 / image_range(image, data_range)
    x = _planes(image) * scale
    h, w, c = x.shape
    if h < patch or w < patch:
        raise ValueError(f"noise estimation needs at least {patch}×{patch} pixels, got {h}×{w}")
    count = (h - patch + 1) * (w - patch + 1)
    stride = max(1, int(np.ceil(np.sqrt(count / max_patches))))
    dim = patch * patch * c
    gram = np.zeros((dim, dim))
    total = np.zeros(dim)
    n = 0
    rows = range(0, h - patch + 1, stride)
    block = max(1, 4096 // max(1, (w - patch) // stride + 1))  # about 4096 patches per block
    rows = list(rows)
    for start in range(0, len(rows), block):
        r0, r1 = rows[start], rows[min(start + block, len(rows)) - 1]
        windows = sliding_window_view(x[r0 : r1 + patch], (patch, patch), axis=(0, 1))[::stride, ::stride]
        vectors = windows.reshape(-1, dim)
        gram += vectors.T @ vectors
        total += vectors.sum(axis=0)
        n += vectors.shape[0]
    mean = total / n
    cov = gram / n - np.outer(mean, mean)
    eig = np.sort(np.clip(np.linalg.eigvalsh(cov), 0.0, None))
    for k in range(dim, 0, -1):
        tail = eig[:k]
        tau = tail.mean()
        if np.sum(tail > tau) == np.sum(tail < tau):
            return float(np.sqrt(tau))
    return float(np.sqrt(eig[0]))
