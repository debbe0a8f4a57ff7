"""Evaluation protocols: Liang et al.'s strong generalisation and RecBole's default split.

Strong generalisation (Liang, Krishnan, Hoffman, Jebara 2018): users, not ratings, are held
out. Models train on the training users; each held-out user's positives are split 80/20 into
a fold-in part (`*_tr`, what the model sees) and targets (`*_te`, what it must rank).

RecBole 1.2.1's default for general recommenders (`eval_args: split RS [0.8,0.1,0.1],
group_by user, order RO, mode full`): every rating is an implicit interaction; each user's
interactions, in random order, are cut 80/10/10 into train/valid/test; a user is ranked
over all items except those already in their train (for test: train and valid) part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class StrongSplit:
    train: sp.csr_matrix  # train users x kept items
    val_tr: sp.csr_matrix
    val_te: sp.csr_matrix
    test_tr: sp.csr_matrix
    test_te: sp.csr_matrix
    train_users: np.ndarray  # original user index of each row
    val_users: np.ndarray
    test_users: np.ndarray
    items: np.ndarray  # original item index of each column

    @property
    def n_items(self) -> int:
        return len(self.items)


@dataclass
class RecboleSplit:
    train: sp.csr_matrix  # all users x all items
    valid: sp.csr_matrix
    test: sp.csr_matrix
    valid_users: np.ndarray  # users with at least one valid (resp. test) interaction
    test_users: np.ndarray

    def valid_seen(self) -> sp.csr_matrix:
        """What a valid-time ranking excludes: the train interactions."""
        return self.train

    def test_seen(self) -> sp.csr_matrix:
        """What a test-time ranking excludes: train and valid interactions."""
        return (self.train + self.valid).tocsr()


def positives_from_ratings(
    user_index: np.ndarray,
    item_index: np.ndarray,
    rating: np.ndarray,
    n_users: int,
    n_items: int,
    threshold: float = 3.5,
) -> sp.csr_matrix:
    """Binary users x items matrix, 1.0 where the rating is above `threshold` (Liang: > 3.5 of 5)."""
    keep = np.asarray(rating) > threshold
    return interactions_matrix(np.asarray(user_index)[keep], np.asarray(item_index)[keep], n_users, n_items)


def interactions_matrix(user_index: np.ndarray, item_index: np.ndarray, n_users: int, n_items: int) -> sp.csr_matrix:
    """Binary users x items csr matrix (float32, repeated pairs count once)."""
    data = np.ones(len(user_index), dtype=np.float32)
    matrix = sp.csr_matrix((data, (user_index, item_index)), shape=(n_users, n_items), dtype=np.float32)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    matrix.sort_indices()
    return matrix


def heldout_users_default(n_users: int) -> int:
    """About 10 % of the users for validation and as many for test, capped at Liang's 10,000 (ML-20M)."""
    return int(min(10_000, max(1, round(0.1 * n_users))))


def rows_split_proportion(
    matrix: sp.csr_matrix, *, test_prop: float, rng: np.random.Generator, min_items: int = 5
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Per row, a random `test_prop` of the non-zeros go to the second matrix (rows with >= min_items only)."""
    matrix = matrix.tocsr()
    is_target = np.zeros(matrix.nnz, dtype=bool)
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        n = end - start
        if n >= min_items:
            is_target[start + rng.choice(n, size=int(test_prop * n), replace=False)] = True
    return _csr_mask(matrix, ~is_target), _csr_mask(matrix, is_target)


def _csr_mask(matrix: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    out = sp.csr_matrix((matrix.data[keep], (rows[keep], matrix.indices[keep])), shape=matrix.shape, dtype=matrix.dtype)
    out.sort_indices()
    return out


def split_strong(
    positives: sp.csr_matrix,
    *,
    heldout_users: int,
    seed: int,
    min_positives: int = 5,
    test_prop: float = 0.2,
) -> StrongSplit:
    """Liang et al.'s split. Held-out users whose positives on the kept items number fewer than
    `min_positives` cannot be split 80/20 and are left out of `val_*`/`test_*` (their arrays omit them)."""
    positives = positives.tocsr()
    counts = np.diff(positives.indptr)
    eligible = np.flatnonzero(counts >= min_positives)
    if len(eligible) < 2 * heldout_users + 1:
        raise ValueError(
            f"{len(eligible)} users have at least {min_positives} positives: too few for "
            f"{heldout_users} validation and {heldout_users} test users plus training users"
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(eligible)
    n_train = len(order) - 2 * heldout_users
    train_users = np.sort(order[:n_train])
    val_users = np.sort(order[n_train : n_train + heldout_users])
    test_users = np.sort(order[n_train + heldout_users :])

    train_full = positives[train_users]
    items = np.flatnonzero(np.diff(train_full.tocsc().indptr) > 0)
    parts = []
    for users in (val_users, test_users):
        sub = positives[users][:, items].tocsr()
        fold_in, targets = rows_split_proportion(sub, test_prop=test_prop, rng=rng, min_items=min_positives)
        has_targets = np.diff(targets.indptr) > 0
        parts.append((fold_in[has_targets], targets[has_targets], users[has_targets]))
    (val_tr, val_te, val_users), (test_tr, test_te, test_users) = parts
    return StrongSplit(
        train=train_full[:, items].tocsr(),
        val_tr=val_tr,
        val_te=val_te,
        test_tr=test_tr,
        test_te=test_te,
        train_users=train_users.astype(np.int64),
        val_users=val_users.astype(np.int64),
        test_users=test_users.astype(np.int64),
        items=items.astype(np.int64),
    )


def _recbole_counts(total: np.ndarray, ratios: tuple[float, ...]) -> np.ndarray:
    """RecBole's Dataset._calcu_split_ids per user: parts after the first are floored, then each
    empty part after the first that its ratio would make non-empty takes one from the first."""
    ratios = tuple(r / sum(ratios) for r in ratios)
    counts = np.stack([(r * total.astype(np.float64)).astype(np.int64) for r in ratios], axis=1)
    counts[:, 0] = total - counts[:, 1:].sum(axis=1)
    for i in range(1, len(ratios)):
        active = counts[:, 0] > 1  # RecBole stops taking from the first part once it is down to one
        wanted = (ratios[-i] * total > 0) & (ratios[-i] * total < 1)
        move = active & wanted
        counts[move, -i] += 1
        counts[move, 0] -= 1
    return counts


def split_recbole(
    user_index: np.ndarray,
    item_index: np.ndarray,
    n_users: int,
    n_items: int,
    *,
    seed: int,
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
) -> RecboleSplit:
    """RecBole's RS/RO/user split of all interactions (ratings of any value)."""
    user_index = np.asarray(user_index, dtype=np.int64)
    item_index = np.asarray(item_index, dtype=np.int64)
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(len(user_index))
    # Shuffle everything, then group by user keeping the shuffled order (RecBole's RO + group_by).
    order = shuffled[np.argsort(user_index[shuffled], kind="stable")]
    users_sorted = user_index[order]
    totals = np.bincount(users_sorted, minlength=n_users)
    counts = _recbole_counts(totals, ratios)
    starts = np.concatenate([[0], np.cumsum(totals)[:-1]])
    position = np.arange(len(order)) - starts[users_sorted]
    bounds = np.cumsum(counts, axis=1)
    part = (position >= bounds[users_sorted, 0]).astype(np.int64) + (position >= bounds[users_sorted, 1])
    matrices = [
        interactions_matrix(users_sorted[part == k], item_index[order][part == k], n_users, n_items) for k in range(3)
    ]
    train, valid, test = matrices
    return RecboleSplit(
        train=train,
        valid=valid,
        test=test,
        valid_users=np.flatnonzero(np.diff(valid.indptr) > 0),
        test_users=np.flatnonzero(np.diff(test.indptr) > 0),
    )
