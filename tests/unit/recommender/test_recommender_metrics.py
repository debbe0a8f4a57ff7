"""NDCG@k and Recall@k against cases worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from apps.recommender.ml.metrics import ndcg_at_k, recall_at_k, recall_at_k_recbole, seen_exclude, topk_indices


def csr(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    dense = np.zeros((len(rows), n_items), dtype=np.float32)
    for u, items in enumerate(rows):
        dense[u, items] = 1.0
    return sp.csr_matrix(dense)


# Ranking for user 0: items 4, 2, 0, 1, 3 (scores descending).
SCORES = np.array([[0.3, 0.2, 0.4, 0.1, 0.5]], dtype=np.float32)


def test_ndcg_hand_computed():
    # Relevant {2, 3}: ranked 2nd and 5th. k=3: DCG = 1/log2(3); IDCG over min(3, 2) = 1 + 1/log2(3).
    heldout = csr([[2, 3]], 5)
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(SCORES, heldout, 3)[0] == pytest.approx(expected)
    # k=5 finds both: DCG = 1/log2(3) + 1/log2(6).
    expected5 = (1 / math.log2(3) + 1 / math.log2(6)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(SCORES, heldout, 5)[0] == pytest.approx(expected5)


def test_ndcg_perfect_and_zero():
    assert ndcg_at_k(SCORES, csr([[4, 2]], 5), 2)[0] == pytest.approx(1.0)
    assert ndcg_at_k(SCORES, csr([[3]], 5), 2)[0] == 0.0


def test_ndcg_ideal_uses_min_of_k_and_heldout():
    # Four relevant items, k=2, both top slots hit: perfect, not 2 of 4.
    assert ndcg_at_k(SCORES, csr([[4, 2, 0, 1]], 5), 2)[0] == pytest.approx(1.0)


def test_recall_liang_and_recbole():
    heldout = csr([[4, 1, 3]], 5)  # ranks 1, 4, 5
    # Liang: hits / min(k, n): k=2 → 1 / 2; RecBole: hits / n → 1 / 3.
    assert recall_at_k(SCORES, heldout, 2)[0] == pytest.approx(0.5)
    assert recall_at_k_recbole(SCORES, heldout, 2)[0] == pytest.approx(1 / 3)
    assert recall_at_k(SCORES, heldout, 4)[0] == pytest.approx(2 / 3)
    assert recall_at_k_recbole(SCORES, heldout, 5)[0] == pytest.approx(1.0)


def test_several_users_and_no_heldout_is_nan():
    scores = np.array([[0.9, 0.1, 0.5], [0.1, 0.9, 0.5], [0.3, 0.2, 0.1]], dtype=np.float32)
    heldout = csr([[0], [0], []], 3)
    ndcg = ndcg_at_k(scores, heldout, 1)
    assert ndcg[:2].tolist() == [1.0, 0.0] and math.isnan(ndcg[2])
    assert recall_at_k(scores, heldout, 3)[:2].tolist() == [1.0, 1.0]
    assert math.isnan(recall_at_k(scores, heldout, 3)[2])


def test_seen_items_are_never_counted():
    scores = SCORES.copy()
    seen_exclude(scores, csr([[4]], 5))  # the best item was already seen
    assert scores[0, 4] == -np.inf
    # Relevant {4} can no longer be found, even at k = every item.
    assert ndcg_at_k(scores, csr([[4]], 5), 5)[0] == 0.0
    # Now item 2 leads.
    assert ndcg_at_k(scores, csr([[2]], 5), 1)[0] == 1.0


def test_topk_indices_order():
    assert topk_indices(SCORES, 3).tolist() == [[4, 2, 0]]
    assert topk_indices(SCORES, 10).tolist() == [[4, 2, 0, 1, 3]]


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="shape"):
        ndcg_at_k(SCORES, csr([[1]], 4), 2)
