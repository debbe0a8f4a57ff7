"""The detectors people would otherwise use on a table: PyOD's Isolation Forest, ECOD and KNN, behind one factory.

    detector = table_baseline("iforest", seed=0).fit(X_train)
    scores = detector.score_samples(X_test)   # higher = more anomalous

ANOMALY SCORES: `score_samples` returns PyOD's `decision_function` (higher = more anomalous), NOT scikit-learn's
`score_samples` sign, so these swap in one line with `TableAutoencoder`. PyOD defaults throughout (the issue's
figures were measured with them); `contamination` only sets PyOD's own `threshold_`, never the scores.
Workers and benchmarks only (PyOD imports scikit-learn and, for some models, torch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

BASELINES = ("iforest", "ecod", "knn")
LABELS = {"iforest": "Isolation Forest", "ecod": "ECOD", "knn": "KNN"}


class TableBaseline:
    """A PyOD detector with the anomaly-score convention of this app; `detector_` is the fitted PyOD model."""

    def __init__(self, name: str, *, seed: int = 0, contamination: float = 0.1) -> None:
        if name not in BASELINES:
            raise ValueError(f"unknown baseline {name!r}: one of {', '.join(BASELINES)}")
        self.name = name
        self.seed = seed
        self.contamination = contamination

    def _build(self) -> Any:
        if self.name == "iforest":
            from pyod.models.iforest import IForest

            return IForest(contamination=self.contamination, random_state=self.seed)
        if self.name == "ecod":
            from pyod.models.ecod import ECOD

            return ECOD(contamination=self.contamination)
        from pyod.models.knn import KNN

        return KNN(contamination=self.contamination)

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> TableBaseline:
        X = np.asarray(X, dtype=np.float64)
        self.detector_ = self._build()
        if self.name == "knn":
            # KNN needs more rows than neighbours; tiny tables get fewer neighbours instead of an error.
            self.detector_.n_neighbors = max(1, min(self.detector_.n_neighbors, len(X) - 1))
        self.detector_.fit(X)
        self.train_scores_ = np.nan_to_num(np.asarray(self.detector_.decision_scores_, dtype=np.float64))
        return self

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        """Anomaly scores, higher = more anomalous (PyOD's decision_function)."""
        scores = np.asarray(self.detector_.decision_function(np.asarray(X, dtype=np.float64)), dtype=np.float64)
        return np.nan_to_num(scores, nan=0.0, posinf=np.finfo(np.float64).max / 4, neginf=0.0)


def table_baseline(name: str, *, seed: int = 0, contamination: float = 0.1) -> TableBaseline:
    """One of BASELINES with fit(X) → self and score_samples(X) → anomaly scores (higher = more anomalous)."""
    return TableBaseline(name, seed=seed, contamination=contamination)
