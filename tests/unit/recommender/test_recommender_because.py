"""ServingModel.because ("because you liked ..."): the history items that add most to each recommended
item's score, against a plain reference, hand-made cases, and the neural models' leave-one-out."""

from __future__ import annotations

import numpy as np
import pytest

from apps.recommender.ml.serving import ServingModel
from tests.unit.recommender.web_fixtures import ease_model, ease_serving


def because_reference(model: ServingModel, history, recs, n: int = 3) -> list[list[int]]:
    """What `because` promises for an item-item model, one pair at a time: per recommended item, the
    history items the model knows, other than the item itself, whose term B[i, j] of the score x·B is
    > 0; best first, equal ones in history order."""
    b = model.arrays["ease_b"]
    reasons = []
    for rec in recs:
        candidates = []
        for position, item in enumerate(history):
            if not model.known[item] or item == rec:
                continue
            contribution = float(b[item, rec])
            if contribution > 0:
                candidates.append((-contribution, position, int(item)))
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
    model = ease_model(HAND, HAND_KNOWN)  # symmetric: B[i, j] = B[j, i]
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


def test_because_keeps_only_positive_contributions_best_first():
    model = ease_serving(seed=3)
    liked, recs = np.array([0, 1, 2, 3, 4]), np.array([5, 6])
    reasons = model.because(liked, recs)
    terms = model.arrays["ease_b"][np.ix_(liked, recs)].T  # item i adds B[i, j] to j's score
    for row, why in zip(terms, reasons, strict=True):
        expected = [int(liked[j]) for j in np.argsort(-row)[:3] if row[j] > 0]
        assert why == expected


def test_because_differs_per_item_by_hand():
    """A hand-made, asymmetric B: the reasons follow B[i, j] (what i adds to j's score), not B[j, i] or
    a similarity, and two recommendations get different reasons.

    History 0, 1, 2, 3; recommended 4 and 5. Scores: x·B[:, 4] = 3 + 1 + 0.5 - 1 = 3.5 and
    x·B[:, 5] = 0.25 + 0 + 2 + 1.5 = 3.75. Reasons for 4: 0 (3), 1 (1), 2 (0.5), not 3 (-1).
    Reasons for 5: 2 (2), 3 (1.5), 0 (0.25); 1 adds nothing. B[4, 3] = 9 is 4's weight *towards* 3:
    it adds nothing to 4's score, so 3 is not a reason for 4."""
    b = np.zeros((6, 6), dtype=np.float32)
    b[[0, 1, 2, 3], 4] = [3.0, 1.0, 0.5, -1.0]
    b[[0, 1, 2, 3], 5] = [0.25, 0.0, 2.0, 1.5]
    b[4, 3] = 9.0
    model = ease_model(b)
    history, recs = np.array([0, 1, 2, 3]), np.array([4, 5])
    assert model.recommend_foldin(history, np.full(4, 5.0), 2)[0].tolist() == [5, 4]
    assert model.because(history, recs) == [[0, 1, 2], [2, 3, 0]]
    assert model.because(history, recs, n=1) == [[0], [2]]


def neural_arrays(seed: int = 0, n_items: int = 9, hidden: int = 5) -> dict[str, np.ndarray]:
    """A one-layer Mult-DAE-like model (tanh code, linear decoder) with random weights; item 8 unknown."""
    rng = np.random.default_rng(seed)
    arrays = dict(ease_model(np.zeros((n_items, n_items), dtype=np.float32)).arrays)
    del arrays["ease_b"]
    known = np.ones(n_items, dtype=bool)
    known[-1] = False
    w0 = rng.normal(size=(n_items, hidden)).astype(np.float32)
    w0[~known] = 0.0
    dec = rng.normal(size=(hidden, n_items)).astype(np.float32)
    dec[:, ~known] = 0.0
    embeddings = dec.T / np.maximum(np.linalg.norm(dec.T, axis=1, keepdims=True), 1e-12)
    arrays.update(
        model=np.array("mult-dae"), arch=np.array("mlp-tanh"), enc_last_tanh=np.array(True), item_known=known,
        enc_w0=w0, enc_b0=rng.normal(size=hidden).astype(np.float32),
        dec_w0=dec, dec_b0=rng.normal(size=n_items).astype(np.float32), item_embeddings=embeddings.astype(np.float32),
    )  # fmt: skip
    return arrays


def log_softmax_known(model: ServingModel, inputs: list[int]) -> np.ndarray:
    """log p(item | inputs) over the known items, from the model's own one-user forward pass."""
    if inputs:
        logits = model._neural_logits(np.array(inputs)).astype(np.float64)
    else:  # the empty row: only the first layer's bias
        logits = model._neural_forward(model._enc[0][1]).astype(np.float64)
    logits = logits[model.known]
    return logits - np.log(np.exp(logits - logits.max()).sum()) - logits.max()


@pytest.mark.parametrize("seed", range(3))
def test_neural_reasons_are_leave_one_out(seed):
    """Each contribution is log p(j | history) minus log p(j | history without i), one forward pass each."""
    model = ServingModel.from_arrays(neural_arrays(seed))
    history, recs = [0, 2, 3, 5], np.array([1, 4, 7])
    got = model.contributions(np.array(history), recs)
    full = log_softmax_known(model, history)
    for column, item in enumerate(history):
        without = log_softmax_known(model, [h for h in history if h != item])
        np.testing.assert_allclose(got[:, column], full[recs] - without[recs], rtol=1e-4, atol=1e-5)
    expected = [[history[c] for c in np.argsort(-row, kind="stable")[:3] if row[c] > 0] for row in got]
    assert model.because(np.array(history), recs) == expected
    # One liked item: leaving it out leaves the empty row.
    one = model.contributions(np.array([2]), recs)[:, 0]
    np.testing.assert_allclose(one, log_softmax_known(model, [2])[recs] - log_softmax_known(model, [])[recs], atol=1e-5)


@pytest.mark.parametrize("seed", range(3))
def test_ensemble_reasons_blend_the_two_parts(seed):
    """Weight 1 is the item-item model alone, weight 0 the network alone; in between, the blend."""
    arrays = neural_arrays(seed)
    b = np.random.default_rng(50 + seed).normal(size=(9, 9)).astype(np.float32)
    history, recs = np.array([0, 2, 3, 5, 6]), np.array([1, 4, 7])
    parts = {}
    for weight in (0.0, 1.0, 0.5):
        model = ServingModel.from_arrays(
            {**arrays, "model": np.array("ensemble"), "ease_b": b, "blend_weight": np.array(weight)}
        )
        parts[weight] = model.contributions(history, recs)
    item_item = ease_model(b, arrays["item_known"]).contributions(history, recs)
    neural = ServingModel.from_arrays(arrays).contributions(history, recs)
    # Each part is scaled by the length of its score vector, as scores_blend scales it.
    np.testing.assert_allclose(parts[1.0] / parts[1.0][0, 0], item_item / item_item[0, 0], rtol=1e-5)
    np.testing.assert_allclose(parts[0.0] / parts[0.0][0, 0], neural / neural[0, 0], rtol=1e-5)
    np.testing.assert_allclose(parts[0.5], 0.5 * (parts[0.0] + parts[1.0]), rtol=1e-5, atol=1e-7)
