"""Image quality metrics, NumPy/SciPy only: the web computes them at request time."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter


def _pair_check(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} and {b.shape}")
    if a.ndim not in (2, 3) or a.size == 0:
        raise ValueError(f"expected an H×W or H×W×C image, got shape {a.shape}")
    return a, b


def psnr(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB; inf for identical images."""
    a, b = _pair_check(a, b)
    mse = float(np.mean((a - b) ** 2))
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


def ssim(
    a: np.ndarray,
    b: np.ndarray,
    data_range: float = 255.0,
    *,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
) -> float:
    """Mean SSIM (Wang et al. 2004) with an 11-tap Gaussian window (σ = 1.5).

    Matches scikit-image's `structural_similarity(gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=...)`: reflect padding, then the mean over the
    map without its 5-pixel border; H×W×C images average the per-channel values.
    """
    a, b = _pair_check(a, b)
    if a.ndim == 3:
        return float(np.mean([ssim(a[..., c], b[..., c], data_range, sigma=sigma, k1=k1, k2=k2)
                              for c in range(a.shape[2])]))
    truncate = 3.5  # with σ = 1.5 this gives scikit-image's 11-tap window (radius 5)
    radius = int(truncate * sigma + 0.5)
    if min(a.shape) < 2 * radius + 1:
        raise ValueError(f"SSIM needs images of at least {2 * radius + 1} pixels a side, got {a.shape}")

    def blur(x: np.ndarray) -> np.ndarray:
        return gaussian_filter(x, sigma=sigma, truncate=truncate, mode="reflect")

    ux, uy = blur(a), blur(b)
    vx = blur(a * a) - ux * ux
    vy = blur(b * b) - uy * uy
    vxy = blur(a * b) - ux * uy
    c1 = (k1 * data_range) ** 2
    c2 = (k2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return float(s[radius:-radius, radius:-radius].mean(dtype=np.float64))


def psnr_rows(a: np.ndarray, b: np.ndarray, data_range: float = 255.0, rows: int = 256) -> float:
    """psnr() computed over row blocks, so a 12-megapixel pair needs no whole-image float copies."""
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} and {b.shape}")
    total = 0.0
    for r in range(0, a.shape[0], rows):
        diff = a[r : r + rows].astype(np.float64) - b[r : r + rows]
        total += float(np.sum(diff * diff))
    mse = total / a.size
    return float("inf") if mse == 0.0 else float(10.0 * np.log10(data_range**2 / mse))


def ssim_rows(a: np.ndarray, b: np.ndarray, data_range: float = 255.0, rows: int = 256, sigma: float = 1.5) -> float:
    """ssim() computed over row blocks with the same result, in bounded memory.

    Each block is read with `radius` rows of context on both sides; ssim() drops a border of
    `radius` from every map it averages, so the rows it keeps are exactly the block's rows, blurred
    as in the whole image. The area-weighted mean of the blocks is then the whole image's mean.
    """
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} and {b.shape}")
    if a.ndim == 3:
        return float(np.mean([ssim_rows(a[..., c], b[..., c], data_range, rows, sigma) for c in range(a.shape[2])]))
    radius = int(3.5 * sigma + 0.5)
    height = a.shape[0]
    if height <= rows + 2 * radius:
        return ssim(a, b, data_range, sigma=sigma)
    total, count = 0.0, 0
    for r in range(radius, height - radius, rows):
        r_end = min(r + rows, height - radius)
        lo, hi = r - radius, r_end + radius
        kept = r_end - r
        total += ssim(a[lo:hi], b[lo:hi], data_range, sigma=sigma) * kept
        count += kept
    return total / count


def psnr_per_image(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> np.ndarray:
    """psnr() of each image of two N×H×W batches (inf where a pair is identical).

    Not psnr() of the whole batch: that is the PSNR of the mean squared error, which is lower than
    the mean of the per-image values the 28×28 demo reports (and its trained versions recorded).
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 3:
        raise ValueError(f"expected two N×H×W batches of one shape, got {a.shape} and {b.shape}")
    return np.array([psnr(x, y, data_range) for x, y in zip(a, b, strict=True)], dtype=np.float64)
