"""Top-k ranking metrics with binary relevance, as in Liang et al.'s Mult-VAE code and RecBole.

`scores` is dense (users x items); callers set the items a user already saw to -inf so
they are never counted as recommended. `heldout` is a csr matrix of the same shape whose
non-zeros are the relevant items. Users without held-out items get NaN (there is nothing
to find), so averages should use `np.nanmean` or leave such users out beforehand.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def topk_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """The k best columns of each row, best first (ties in column order of argpartition)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    rows = np.arange(scores.shape[0])[:, None]
    order = np.argsort(-scores[rows, part], axis=1, kind="stable")
    return part[rows, order]


def _hits(scores: np.ndarray, heldout: sp.csr_matrix, k: int) -> np.ndarray:
    """(users x k) booleans: is the item ranked i-th relevant?"""
    if scores.shape != heldout.shape:
        raise ValueError(f"scores {scores.shape} and heldout {heldout.shape} differ in shape")
    top = topk_indices(scores, k)
    relevant = heldout.tocsr().copy()
    relevant.eliminate_zeros()
    relevant.sort_indices()
    n_items = scores.shape[1]
    # Membership by sorted (row, column) keys: vectorised, no per-user Python loop.
    relevant_keys = np.repeat(np.arange(relevant.shape[0], dtype=np.int64), np.diff(relevant.indptr)) * n_items
    relevant_keys += relevant.indices
    rows = np.arange(scores.shape[0])[:, None]
    top_keys = rows * n_items + top
    found = np.minimum(np.searchsorted(relevant_keys, top_keys), max(len(relevant_keys) - 1, 0))
    hits = relevant_keys[found] == top_keys if len(relevant_keys) else np.zeros(top.shape, dtype=bool)
    # An item scored -inf was excluded (already seen); it is not a recommendation.
    return hits & np.isfinite(scores[rows, top])


def _n_relevant(heldout: sp.csr_matrix) -> np.ndarray:
    return np.asarray((heldout.tocsr() > 0).sum(axis=1)).ravel().astype(np.float64)


def ndcg_at_k(scores: np.ndarray, heldout: sp.csr_matrix, k: int) -> np.ndarray:
    """Per-user NDCG@k: DCG of the top k over the ideal DCG of min(k, n_heldout) hits."""
    hits = _hits(scores, heldout, k)
    discount = 1.0 / np.log2(np.arange(2, hits.shape[1] + 2))
    dcg = hits @ discount
    n_relevant = _n_relevant(heldout)
    ideal_cum = np.concatenate([[0.0], np.cumsum(discount)])
    idcg = ideal_cum[np.minimum(n_relevant, hits.shape[1]).astype(np.int64)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_relevant > 0, dcg / idcg, np.nan)


def recall_at_k(scores: np.ndarray, heldout: sp.csr_matrix, k: int) -> np.ndarray:
    """Per-user Recall@k as Liang et al. define it: hits / min(k, n_heldout)."""
    hits = _hits(scores, heldout, k).sum(axis=1)
    n_relevant = _n_relevant(heldout)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_relevant > 0, hits / np.minimum(k, n_relevant), np.nan)


def recall_at_k_recbole(scores: np.ndarray, heldout: sp.csr_matrix, k: int) -> np.ndarray:
    """Per-user Recall@k as RecBole defines it: hits / n_heldout (lower than Liang's when n > k)."""
    hits = _hits(scores, heldout, k).sum(axis=1)
    n_relevant = _n_relevant(heldout)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_relevant > 0, hits / n_relevant, np.nan)


def seen_exclude(scores: np.ndarray, seen: sp.csr_matrix) -> np.ndarray:
    """Sets the seen items' scores to -inf, in place (and returns the array)."""
    seen = seen.tocsr()
    rows = np.repeat(np.arange(seen.shape[0]), np.diff(seen.indptr))
    scores[rows, seen.indices] = -np.inf
    return scores
