"""Liang et al.'s strong-generalisation split and RecBole's per-user 80/10/10 split on hand-made data."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from apps.recommender.ml.protocol import (
    heldout_users_default,
    positives_from_ratings,
    split_recbole,
    split_strong,
)


def test_positives_threshold_and_duplicates():
    users = np.array([0, 0, 1, 1, 1])
    items = np.array([0, 1, 1, 2, 2])
    ratings = np.array([4.0, 3.5, 5.0, 4.0, 4.5])
    matrix = positives_from_ratings(users, items, ratings, 2, 3)
    assert matrix.dtype == np.float32
    assert matrix.toarray().tolist() == [[1, 0, 0], [0, 1, 1]]  # 3.5 is not > 3.5; repeated pair counts once


def hand_made() -> sp.csr_matrix:
    """40 users x 30 items; users 0-29 like 6-15 items among 0-24; users 30-39 like fewer than 5.
    Items 25-29 are liked only by users with few positives, so they never reach the training users."""
    rng = np.random.default_rng(7)
    dense = np.zeros((40, 30), dtype=np.float32)
    for u in range(30):
        dense[u, rng.choice(25, size=6 + u % 10, replace=False)] = 1
    for u in range(30, 40):
        dense[u, [25 + u % 5, u % 25]] = 1
    return sp.csr_matrix(dense)


def test_strong_split():
    positives = hand_made()
    split = split_strong(positives, heldout_users=5, seed=3)
    parts = [split.train_users, split.val_users, split.test_users]
    everyone = np.concatenate(parts)
    # Users with fewer than 5 positives are dropped; the rest are in exactly one part.
    assert sorted(everyone.tolist()) == list(range(30))
    assert len(split.val_users) == len(split.test_users) == 5 and len(split.train_users) == 20
    # Columns: the items the training users liked, nothing else.
    expected_items = np.flatnonzero(positives[split.train_users].sum(axis=0))
    assert split.items.tolist() == expected_items.tolist()
    assert split.train.shape == (20, len(split.items))
    assert (split.train.toarray() == positives[split.train_users][:, split.items].toarray()).all()
    for users, fold_in, targets in [(split.val_users, split.val_tr, split.val_te),
                                    (split.test_users, split.test_tr, split.test_te)]:  # fmt: skip
        full = positives[users][:, split.items].toarray()
        a, b = fold_in.toarray(), targets.toarray()
        assert (a + b == full).all() and not (a * b).any()  # disjoint, and together the user's positives
        n = full.sum(axis=1).astype(int)
        assert b.sum(axis=1).astype(int).tolist() == [int(0.2 * k) for k in n]  # 20 % per user, rounded down


def test_strong_split_is_seeded():
    positives = hand_made()
    a, b = split_strong(positives, heldout_users=5, seed=3), split_strong(positives, heldout_users=5, seed=3)
    c = split_strong(positives, heldout_users=5, seed=4)
    assert a.test_users.tolist() == b.test_users.tolist() and (a.test_te != b.test_te).nnz == 0
    assert a.test_users.tolist() != c.test_users.tolist() or (a.test_te != c.test_te).nnz > 0


def test_strong_split_too_few_users():
    with pytest.raises(ValueError, match="too few"):
        split_strong(hand_made(), heldout_users=15, seed=0)


def test_heldout_default():
    assert heldout_users_default(943) == 94
    assert heldout_users_default(138_493) == 10_000
    assert heldout_users_default(5) == 1


def test_recbole_split_counts_follow_recbole():
    # RecBole's _calcu_split_ids for [0.8, 0.1, 0.1]: 10 → 8/1/1, 3 → 1/1/1, 2 → 1/0/1, 1 → 1/0/0, 25 → 21/2/2.
    sizes = {0: 10, 1: 3, 2: 2, 3: 1, 4: 25}
    users = np.concatenate([np.full(n, u) for u, n in sizes.items()])
    items = np.concatenate([np.arange(n) for n in sizes.values()])
    split = split_recbole(users, items, 5, 30, seed=0)
    counts = [np.diff(m.indptr).tolist() for m in (split.train, split.valid, split.test)]
    assert counts == [[8, 1, 1, 1, 21], [1, 1, 0, 0, 2], [1, 1, 1, 0, 2]]
    total = (split.train + split.valid + split.test).toarray()
    expected = np.zeros((5, 30))
    expected[users, items] = 1
    assert (total == expected).all()  # disjoint parts covering every interaction
    assert split.valid_users.tolist() == [0, 1, 4] and split.test_users.tolist() == [0, 1, 2, 4]
    assert (split.test_seen() != split.train + split.valid).nnz == 0


def test_recbole_split_is_random_per_user():
    users = np.repeat(np.arange(50), 10)
    items = np.tile(np.arange(10), 50)
    split = split_recbole(users, items, 50, 10, seed=1)
    # Which items land in test differs across users (random order), not always the last ones.
    assert len({tuple(row.indices) for row in split.test}) >= 6  # 1 test item of 10 per user
