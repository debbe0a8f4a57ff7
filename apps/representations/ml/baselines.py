"""What the autoencoders are measured against: PCA, t-SNE (openTSNE) and UMAP, as scikit-learn estimators.

Each takes images (uint8 N×H×W, or floats in [0, 1] of any shape N×…) and works on the flat
pixels in [0, 1], so a benchmark loops over them and the autoencoders alike: `fit`, `transform`
(images → codes), and for PCA `inverse_transform` (codes → images in [0, 1]). No torch here;
scikit-learn, umap-learn and openTSNE are imported when used (workers, benchmarks).
"""

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


class TsneMap:
    """openTSNE's t-SNE (FFT-accelerated, PCA initialisation) to 2-D. It has no `transform`: the
    points are placed together, and a new image cannot be mapped without moving the others."""

    def __init__(self, *, perplexity: float = 30.0, seed: int = 0, n_jobs: int = 2) -> None:
        self.perplexity = perplexity
        self.seed = seed
        self.n_jobs = n_jobs

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> TsneMap:
        from openTSNE import TSNE

        started = time.perf_counter()
        tsne = TSNE(n_components=2, perplexity=self.perplexity, random_state=self.seed, n_jobs=self.n_jobs)
        # Kept (as `tsne_`) for openTSNE's own `transform`, which places a new point by a short optimisation
        # against the fixed map: the benchmarks time it; the app does not offer it.
        self.tsne_ = tsne.fit(images_flat(X))
        self.embedding_ = np.asarray(self.tsne_, dtype=np.float32)
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def fit_transform(self, X: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        return self.fit(X).embedding_


class UmapMap:
    """umap-learn's UMAP to 2-D; `transform` places new images on the fitted map."""

    def __init__(self, *, n_neighbors: int = 15, min_dist: float = 0.1, seed: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> UmapMap:
        import umap

        started = time.perf_counter()
        # A fixed random_state makes UMAP deterministic (and single-threaded).
        self.umap_ = umap.UMAP(n_neighbors=self.n_neighbors, min_dist=self.min_dist, random_state=self.seed)
        self.embedding_ = np.asarray(self.umap_.fit_transform(images_flat(X)), dtype=np.float32)
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def fit_transform(self, X: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        return self.fit(X).embedding_

    def transform(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.umap_.transform(images_flat(X)), dtype=np.float32)


def maps_warm() -> float:
    """Compile UMAP's numba code (about a minute the first time in a process) on a tiny array; seconds taken.

    Call it once at worker start so the first UMAP job does not pay for it."""
    started = time.perf_counter()
    points = np.random.default_rng(0).random((64, 8), dtype=np.float32)
    UmapMap(n_neighbors=5, seed=0).fit(points).transform(points[:4])
    return time.perf_counter() - started
