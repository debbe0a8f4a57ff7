"""EASE (Steck 2019): a closed-form item-item linear autoencoder with a zero diagonal.

B = I - P · diagMat(1 / diag(P)),  P = (XᵀX + λI)⁻¹; a user's scores are x · B.
NumPy/SciPy only, so the web process can use the exported B as is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from apps.recommender.ml.metrics import ndcg_at_k, seen_exclude

LAMBDA_GRID = (10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0)


def ease_gram(X: sp.csr_matrix) -> np.ndarray:
    """XᵀX as a dense float64 array (items x items): computed once, reused across λ."""
    return np.ascontiguousarray((X.T @ X).toarray(), dtype=np.float64)


def ease_from_gram(gram: np.ndarray, lam: float) -> np.ndarray:
    if lam <= 0:
        raise ValueError(f"EASE needs lambda > 0, got {lam}")
    G = np.array(gram, dtype=np.float64, order="C")
    G[np.diag_indices_from(G)] += lam
    # LAPACK's LU inverse: steadier here than the Cholesky route (dpotri ran 10x slower at times).
    P = np.linalg.inv(G)
    B = P / (-np.diag(P))[None, :]
    B[np.diag_indices_from(B)] = 0.0
    return B.astype(np.float32)


def ease_fit(X: sp.csr_matrix, lam: float) -> np.ndarray:
    """The items x items weight matrix B (float32, zero diagonal) for binary interactions X."""
    return ease_from_gram(ease_gram(X), lam)


def ease_scores(X: sp.csr_matrix, B: np.ndarray) -> np.ndarray:
    return np.asarray(X @ B, dtype=np.float32)


def ease_lambda_select(
    train: sp.csr_matrix,
    val_tr: sp.csr_matrix,
    val_te: sp.csr_matrix,
    grid: Sequence[float] = LAMBDA_GRID,
    k: int = 100,
) -> tuple[float, np.ndarray, dict[float, float]]:
    """The λ of `grid` with the best validation NDCG@k, its B, and every λ's NDCG."""
    gram = ease_gram(train)
    best: tuple[float, float, np.ndarray] | None = None
    table: dict[float, float] = {}
    for lam in grid:
        B = ease_from_gram(gram, lam)
        scores = seen_exclude(ease_scores(val_tr, B), val_tr)
        table[float(lam)] = float(np.nanmean(ndcg_at_k(scores, val_te, k)))
        if best is None or table[float(lam)] > best[0]:
            best = (table[float(lam)], float(lam), B)
    assert best is not None, "empty lambda grid"
    return best[1], best[2], table
