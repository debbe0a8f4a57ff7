"""Fréchet distance between Gaussians fitted to feature vectors (the formula behind FID).

Shared by the gallery and the representations app and their benchmarks: they use it in the
feature space of the small classifier of `apps.core.ml.image_classifier`, so the numbers are NOT
Inception FIDs and compare only with each other. NumPy only.
"""

from __future__ import annotations

import numpy as np


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, covariance) of N×D features, covariance with N-1 in the denominator."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f"features: need N×D with N ≥ 2, got {features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """||mu1 - mu2||² + tr(cov1) + tr(cov2) - 2 tr((cov1 cov2)^½).

    tr((C1 C2)^½) is computed as the sum of square roots of the eigenvalues of the symmetric
    C1^½ C2 C1^½ (same spectrum), which stays real and exact for the singular covariances that
    dead ReLU features give, where a general matrix square root warns and loses accuracy.
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    cov1, cov2 = np.atleast_2d(cov1).astype(np.float64), np.atleast_2d(cov2).astype(np.float64)
    root1 = _psd_sqrt(cov1)
    middle = root1 @ cov2 @ root1
    trace_sqrt = float(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum())
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * trace_sqrt)


def features_frechet(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between two sets of feature vectors."""
    return frechet_distance(*gaussian_stats(features_a), *gaussian_stats(features_b))
