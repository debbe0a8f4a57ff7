"""What the autoencoders are measured against: PCA, t-SNE (openTSNE) and UMAP, as scikit-learn estimators.

Each takes images (uint8 N×H×W, or floats in [0, 1] of any shape N×…) and works on the flat
pixels in [0, 1], so a benchmark loops over them and the autoencoders alike: `fit`, `transform`
(images → codes), and for PCA `inverse_transform` (codes → images in [0, 1]). No torch here;
scikit-learn, umap-learn and openTSNE are imported when used (workers, benchmarks).
"""

from __future__ import annotations

import time

import numpy as np

from apps.core.ml.image_pca import PcaRepresentation, images_flat  # noqa: F401  (the baselines, in one place)


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
