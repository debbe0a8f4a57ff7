"""Shared by the recommender's web tests: hand-made serving models, model versions."""

from __future__ import annotations

import numpy as np

from apps.core.services import model_version_activate, model_version_create
from apps.recommender.ml.serving import NEIGHBORS, SERVING_FORMAT, TOPK, ServingModel


def ease_model(b: np.ndarray, known: np.ndarray | None = None) -> ServingModel:
    """An EASE serving model with this B and no users; its similarity is (B + Bᵀ) / 2."""
    n_items = len(b)
    return ServingModel.from_arrays(
        {
            "format_version": np.array(SERVING_FORMAT),
            "model": np.array("ease"),
            "threshold": np.array(3.5),
            "n_users": np.array(0),
            "n_items": np.array(n_items),
            "item_known": np.ones(n_items, dtype=bool) if known is None else known,
            "popularity": np.arange(n_items, dtype=np.float32),
            "topk_items": np.zeros((0, TOPK), dtype=np.int32),
            "topk_scores": np.zeros((0, TOPK), dtype=np.float32),
            "history_indptr": np.zeros(1, dtype=np.int64),
            "history_indices": np.zeros(0, dtype=np.int32),
            "history_ratings": np.zeros(0, dtype=np.float32),
            "neighbors_items": np.full((n_items, NEIGHBORS), -1, dtype=np.int32),
            "neighbors_scores": np.full((n_items, NEIGHBORS), -np.inf, dtype=np.float32),
            "ease_b": np.asarray(b, dtype=np.float32),
        }
    )


def ease_serving(n_items: int = 12, seed: int = 0, known: np.ndarray | None = None) -> ServingModel:
    """A random EASE model (distinct similarities almost surely)."""
    b = np.random.default_rng(seed).normal(size=(n_items, n_items)).astype(np.float32)
    np.fill_diagonal(b, 0.0)
    return ease_model(b, known)


def version_make(slug: str, ndcg: float = 0.41, ease: float = 0.39, activate: bool = True):
    version = model_version_create(
        kind="recommender",
        dataset=slug,
        name="mult-vae",
        config={},
        metrics={"ndcg@100": ndcg, "recall@20": 0.3, "recall@50": 0.4},
        baselines={"ease": {"ndcg@100": ease}, "popularity": {"ndcg@100": 0.2}},
        artifacts={},
    )
    if activate:
        model_version_activate(model_version=version)
    return version
