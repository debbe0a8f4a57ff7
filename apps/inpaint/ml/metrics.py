"""Scores of a filled image against its original (NumPy): whole-image PSNR/SSIM and PSNR over the hole."""

from __future__ import annotations

import math

import numpy as np

from apps.core.ml.image_metrics import psnr, ssim, ssim_rows


def colour_planes(image: np.ndarray) -> np.ndarray:
    """The colour channels of an H×W or H×W×C image (alpha, the last of 2 or 4 channels, left out)."""
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] in (2, 4):
        return arr[..., :-1]
    if arr.ndim == 3 and arr.shape[2] == 1:
        return arr[..., 0]
    return arr


def inpaint_scores(original: np.ndarray, filled: np.ndarray, mask: np.ndarray) -> dict:
    """{"psnr", "ssim", "psnr_masked"} of `filled` against `original` (uint8 0..255), floats.

    PSNR and SSIM over the whole image (SSIM averaged over the colour channels, alpha ignored);
    psnr_masked over the missing pixels only (all their colour channels). math.inf where the
    images are identical: the caller turns it into null for JSON.
    """
    a, b = colour_planes(original), colour_planes(filled)
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} and {b.shape}")
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != a.shape[:2]:
        raise ValueError(f"the mask is {mask.shape} but the image is {a.shape[:2]}")
    whole = psnr(a, b, 255.0)
    if min(a.shape[:2]) >= 11:
        similarity = ssim_rows(a, b, 255.0) if a.shape[0] > 512 else ssim(a, b, 255.0)
    else:
        similarity = float("nan")  # SSIM's 11-pixel window does not fit
    if mask.any():
        diff = a[mask].astype(np.float64) - b[mask].astype(np.float64)
        mse = float(np.mean(diff * diff))
        masked = math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)
    else:
        masked = math.inf
    return {"psnr": float(whole), "ssim": float(similarity), "psnr_masked": float(masked)}
