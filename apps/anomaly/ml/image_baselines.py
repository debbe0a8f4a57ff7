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
- "kde": a Gaussian kernel density; the score is minus the log density. Its bandwidth is the median distance of
  a training image to its nearest other training image (on a 2,000-image sample): Scott's rule assumes a
  Gaussian and, in 784 dimensions, gives a kernel so wide or so narrow that the ranking degenerates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from apps.representations.ml.baselines import PcaRepresentation, images_flat

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
    """A scikit-learn outlier estimator on flat pixels, its `score_samples` negated (higher = more anomalous)."""

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
        elif self.name == "kde":
            from sklearn.neighbors import KernelDensity

            self.bandwidth_ = nearest_distance_median(flat[_subsample(flat.shape[0], KDE_SAMPLE, self.seed)])
            self.estimator_ = KernelDensity(kernel="gaussian", bandwidth=self.bandwidth_).fit(flat)
        else:
            raise ValueError(f"baseline: {self.name!r} is not one of {', '.join(BASELINES)}")
        return self

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        return -self.estimator_.score_samples(images_flat(X)).astype(np.float64)


def nearest_distance_median(flat: np.ndarray) -> float:
    """The median Euclidean distance of each row to its nearest other row (> 0)."""
    squared = (flat**2).sum(1)
    d2 = squared[:, None] + squared[None, :] - 2.0 * (flat @ flat.T)
    np.fill_diagonal(d2, np.inf)
    nearest = np.sqrt(np.maximum(d2.min(1), 0.0))
    return float(max(np.median(nearest), 1e-3))


def image_baseline(name: str, *, seed: int = 0) -> PcaDetector | SklearnDetector:
    """A fresh baseline detector: fit(images) / score_samples(images), higher = more anomalous."""
    if name not in BASELINES:
        raise ValueError(f"baseline: {name!r} is not one of {', '.join(BASELINES)}")
    return PcaDetector(seed=seed) if name == "pca" else SklearnDetector(name, seed=seed)
