"""ServingModel.because ("because you liked ...") against a plain reference and hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from apps.recommender.ml.serving import ServingModel
from tests.unit.recommender.web_fixtures import ease_model, ease_serving


def because_reference(model: ServingModel, history, recs, n: int = 3) -> list[list[int]]:
    """What `because` promises, one pair at a time: per recommended item, the history items the model
    knows, other than the item itself, with similarity > 0; best first, equal ones in history order."""
    reasons = []
    for rec in recs:
        candidates = []
        for position, item in enumerate(history):
            if not model.known[item] or item == rec:
                continue
            sim = float(model.similarity(np.array([rec]), np.array([item]))[0, 0])
            if sim > 0:
                candidates.append((-sim, position, int(item)))
        reasons.append([item for _, _, item in sorted(candidates)[:n]])
    return reasons


def symmetric(n_items: int, pairs: dict[tuple[int, int], float]) -> np.ndarray:
    """B with these similarities (each pair both ways), 0 elsewhere: exact in float32, so ties are exact."""
    b = np.zeros((n_items, n_items), dtype=np.float32)
    for (i, j), value in pairs.items():
        b[i, j] = b[j, i] = value
    return b


# Item 0 and 6 are recommended; 7 is an item the model never saw.
HAND = symmetric(
    8,
    {
        (0, 1): 0.5, (0, 2): 0.25, (0, 3): 0.5, (0, 4): -0.125, (0, 5): 0.75, (0, 7): 2.0,
        (6, 1): 0.5, (6, 2): 0.5, (6, 3): 0.5, (6, 4): 0.5, (6, 5): 0.25,
        (2, 3): 1.0,
    },
)  # fmt: skip
HAND_KNOWN = np.array([True] * 7 + [False])


@pytest.mark.parametrize(
    ("history", "recs", "n", "expected"),
    [
        # best first; 1 and 3 tie at 0.5 and keep history order; 4 is negative; 7 is unknown
        ([1, 2, 3, 4, 5, 7], [0], 3, [[5, 1, 3]]),
        ([7, 5, 4, 3, 2, 1], [0], 3, [[5, 3, 1]]),
        # four items tie across the cut: the first three in history order
        ([1, 2, 3, 4, 5], [6], 3, [[1, 2, 3]]),
        ([4, 3, 2, 1, 5], [6], 3, [[4, 3, 2]]),
        ([5, 4, 3, 2, 1], [6], 2, [[4, 3]]),
        # a recommended item that is also in the history is not its own reason
        ([3, 2, 1], [2], 3, [[3]]),
        # only non-positive similarities: no reason
        ([4], [0], 3, [[]]),
        ([0], [4], 3, [[]]),
        # n above the history length, several recommendations at once
        ([5, 1], [0, 6, 3], 5, [[5, 1], [1, 5], []]),
        ([], [0, 6], 3, [[], []]),
        ([1, 2], [], 3, []),
        ([7], [0], 3, [[]]),
    ],
)
def test_because_on_hand_made_cases(history, recs, n, expected):
    model = ease_model(HAND, HAND_KNOWN)
    got = model.because(np.array(history, dtype=np.int64), np.array(recs, dtype=np.int64), n=n)
    assert got == expected
    assert because_reference(model, history, recs, n) == expected  # the reference agrees with the hand


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_liked", [0, 1, 2, 3, 7, 11])
@pytest.mark.parametrize("ties", [False, True])
def test_because_matches_the_reference(seed, n_liked, ties):
    known = np.ones(12, dtype=bool)
    known[11] = False  # an item the model never saw is never a reason
    rng = np.random.default_rng(100 + seed)
    b = rng.normal(size=(12, 12)).astype(np.float32)
    if ties:  # few distinct values: many ties, at the cut too
        b = np.round(b * 2) / 2
        b = np.maximum(b, b.T)
    model = ease_model(b, known)
    liked = rng.choice(12, size=n_liked, replace=False)
    recs = rng.choice(12, size=6, replace=False)  # may overlap the history
    for n in (1, 3, 5):
        assert model.because(liked, recs, n=n) == because_reference(model, liked.tolist(), recs.tolist(), n)


def test_because_keeps_only_positive_similarities_best_first():
    model = ease_serving(seed=3)
    liked, recs = np.array([0, 1, 2, 3, 4]), np.array([5, 6])
    reasons = model.because(liked, recs)
    sims = model.similarity(recs, liked)
    for row, why in zip(sims, reasons, strict=True):
        expected = [int(liked[j]) for j in np.argsort(-row)[:3] if row[j] > 0]
        assert why == expected
