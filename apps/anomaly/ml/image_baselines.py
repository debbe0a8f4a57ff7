"""The detectors the image autoencoders are measured against (scikit-learn; no torch).

    detector = image_baseline("pca").fit(normal_images)
    scores = detector.score_samples(test_images)  # float64 N, HIGHER = MORE ANOMALOUS

Scores follow PyOD's `decision_function` sense (higher = more anomalous): scikit-learn's own
`score_samples` of IsolationForest, OneClassSVM and KernelDensity is higher for normal points, and
these wrappers flip its sign. Every one works on the flat pixels in [0, 1] (uint8 images are divided
by 255), as the issue's reference figures do.

- "pca": PCA with 32 components; the score is the squared reconstruction error.
- "iforest": Isolation Forest (100 trees, scikit-learn's defaults).
- "ocsvm": a one-class SVM, RBF kernel with gamma "scale", nu 0.1, fitted on a seeded 2,000-image subsample
  (its training cost grows with the square of the images).
- "kde": a Gaussian kernel density (the estimator of scikit-learn's KernelDensity, computed exactly with
  NumPy: KernelDensity's trees bring nothing in 784 dimensions and took 2 minutes a class); the score is
  minus the log density. The bandwidth is chosen as scikit-learn's documentation does it, by the
  log-likelihood of held-out images (a seeded fifth of the training images), from multiples of the median
  distance between a training image and its nearest neighbour.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from apps.core.ml.image_pca import PcaRepresentation, images_flat

BASELINES = ("pca", "iforest", "ocsvm", "kde")
PCA_COMPONENTS = 32
OCSVM_SUBSAMPLE = 2000
KDE_SAMPLE = 2000


def _subsample(count: int, size: int, seed: int) -> np.ndarray:
    if count <= size:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, size, replace=False))


class PcaDetector:
    """Squared error of the reconstruction from the first `n_components` principal axes (unclipped)."""

    def __init__(self, n_components: int = PCA_COMPONENTS, *, seed: int = 0) -> None:
        self.n_components = n_components
        self.seed = seed

    def fit(self, X: np.ndarray, y: Any = None) -> PcaDetector:
        flat = images_flat(X)
        self.pca_ = PcaRepresentation(min(self.n_components, *flat.shape), seed=self.seed).fit(flat)
        return self

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        flat = images_flat(X)
        components, mean = self.pca_.components_, self.pca_.mean_
        rebuilt = ((flat - mean) @ components.T) @ components + mean
        return ((flat - rebuilt) ** 2).sum(1).astype(np.float64)


class SklearnDetector:
    """A scikit-learn outlier estimator (iforest, ocsvm) on flat pixels, its `score_samples` negated."""

    def __init__(self, name: str, *, seed: int = 0) -> None:
        self.name = name
        self.seed = seed

    def fit(self, X: np.ndarray, y: Any = None) -> SklearnDetector:
        flat = images_flat(X)
        if self.name == "iforest":
            from sklearn.ensemble import IsolationForest

            self.estimator_ = IsolationForest(random_state=self.seed).fit(flat)
        elif self.name == "ocsvm":
            from sklearn.svm import OneClassSVM

            sample = flat[_subsample(flat.shape[0], OCSVM_SUBSAMPLE, self.seed)]
            self.estimator_ = OneClassSVM(kernel="rbf", gamma="scale", nu=0.1).fit(sample)
        else:
            raise ValueError(f"baseline: {self.name!r} is not one of {', '.join(BASELINES)}")
        return self

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        return -self.estimator_.score_samples(images_flat(X)).astype(np.float64)


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a_i − b_j|² for all pairs (float64), through one matrix product."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    return np.maximum((a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * (a @ b.T), 0.0)


def nearest_distance_median(flat: np.ndarray) -> float:
    """The median Euclidean distance of each row to its nearest other row (> 0)."""
    d2 = squared_distances(flat, flat)
    np.fill_diagonal(d2, np.inf)
    return float(max(np.median(np.sqrt(d2.min(1))), 1e-3))


class KdeDetector:
    """Minus the log density of a Gaussian kernel density on the flat pixels (up to a constant)."""

    FACTORS = (0.125, 0.25, 0.5, 1.0, 2.0)  # bandwidths tried, as multiples of the median nearest distance

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, X: np.ndarray, y: Any = None) -> KdeDetector:
        flat = images_flat(X)
        order = np.random.default_rng(self.seed).permutation(flat.shape[0])
        held = max(1, flat.shape[0] // 5)
        fit_part, held_part = flat[order[held:]], flat[order[:held]]
        base = nearest_distance_median(flat[_subsample(flat.shape[0], KDE_SAMPLE, self.seed)])
        d2 = squared_distances(held_part, fit_part)
        dims = flat.shape[1]

        def held_likelihood(h: float) -> float:
            # The normalising constant matters here (it does not for ranking): -d/2·log(2πh²).
            return float(np.mean(_log_kernel_sum(d2, h)) - 0.5 * dims * np.log(2 * np.pi * h * h))

        self.bandwidth_ = max((base * f for f in self.FACTORS), key=held_likelihood)
        self.train_ = flat
        return self

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        flat = images_flat(X)
        out = np.empty(flat.shape[0], dtype=np.float64)
        for start in range(0, flat.shape[0], 1000):
            d2 = squared_distances(flat[start : start + 1000], self.train_)
            out[start : start + d2.shape[0]] = -_log_kernel_sum(d2, self.bandwidth_)
        return out


def _log_kernel_sum(d2: np.ndarray, h: float) -> np.ndarray:
    """log Σ_j exp(−d²_ij / 2h²) per row, stably."""
    exponent = -d2 / (2.0 * h * h)
    top = exponent.max(1)
    return top + np.log(np.exp(exponent - top[:, None]).sum(1))


def image_baseline(name: str, *, seed: int = 0) -> PcaDetector | SklearnDetector | KdeDetector:
    """A fresh baseline detector: fit(images) / score_samples(images), higher = more anomalous."""
    if name not in BASELINES:
        raise ValueError(f"baseline: {name!r} is not one of {', '.join(BASELINES)}")
    if name == "pca":
        return PcaDetector(seed=seed)
    return KdeDetector(seed=seed) if name == "kde" else SklearnDetector(name, seed=seed)
