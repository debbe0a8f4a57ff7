"""PCA on flat pixels as a scikit-learn estimator: the linear baseline every image autoencoder is measured
against (the representations app's maps and reconstructions, the anomaly app's PCA-32 reconstruction error).
NumPy and scikit-learn only."""

from __future__ import annotations

import time

import numpy as np


def images_flat(images: np.ndarray) -> np.ndarray:
    """N×… images → float32 N×D in [0, 1] (uint8 is divided by 255; floats are taken as they are)."""
    images = np.asarray(images)
    flat = images.reshape(images.shape[0], -1)
    if images.dtype == np.uint8:
        return flat.astype(np.float32) / 255.0
    return flat.astype(np.float32, copy=False)


class PcaRepresentation:
    """PCA on the flat pixels: codes are the projections on the first `n_components` principal axes.

    Fitted exactly (eigen-decomposition of the covariance: D = 784 is small), so PCA-30 on MNIST
    gives the 13.87 of Hinton & Salakhutdinov (2006)."""

    def __init__(self, n_components: int = 2, *, seed: int = 0) -> None:
        self.n_components = n_components
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> PcaRepresentation:
        from sklearn.decomposition import PCA

        started = time.perf_counter()
        self.shape_ = tuple(np.asarray(X).shape[1:])
        self.pca_ = PCA(self.n_components, svd_solver="covariance_eigh", random_state=self.seed).fit(images_flat(X))
        self.components_ = self.pca_.components_.astype(np.float32)  # k×D, orthonormal rows
        self.mean_ = self.pca_.mean_.astype(np.float32)
        self.explained_variance_ratio_ = self.pca_.explained_variance_ratio_
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return ((images_flat(X) - self.mean_) @ self.components_.T).astype(np.float32)

    def fit_transform(self, X: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """Codes → images (float32 N×H×W) clipped to [0, 1]."""
        flat = np.asarray(Z, dtype=np.float32) @ self.components_ + self.mean_
        return np.clip(flat, 0.0, 1.0).reshape(-1, *self.shape_)

    def linear_state(self) -> dict[str, np.ndarray]:
        """The weights of the linear autoencoder that computes the same codes and reconstructions
        (models.model_build of model "pca"/"linear"): encoder x ↦ C(x − m), decoder z ↦ Cᵀz + m."""
        c, m = self.components_, self.mean_
        return {
            "encoder.1.weight": c.copy(),
            "encoder.1.bias": (-(c @ m)).astype(np.float32),
            "decoder.0.weight": np.ascontiguousarray(c.T),
            "decoder.0.bias": m.copy(),
        }
