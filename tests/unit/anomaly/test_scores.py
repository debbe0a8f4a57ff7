"""Calibration, thresholds, contributions, histograms, flagged ranges and metrics of apps.anomaly.ml.scores."""

from __future__ import annotations

import numpy as np
import pytest

from apps.anomaly.ml.scores import (
    Threshold,
    contributions,
    histogram,
    ranges_from_flags,
    scores_calibrate,
    scores_metrics,
    threshold_choose,
)


def test_calibration_is_monotone_in_unit_range_and_means_a_share():
    rng = np.random.default_rng(0)
    reference = rng.gamma(2.0, size=500)
    scores = np.sort(np.concatenate([rng.normal(2, 3, size=1000), [-1e9, 1e9, np.inf]]))
    calibrated = scores_calibrate(reference, scores)
    assert calibrated.shape == scores.shape
    assert (calibrated >= 0).all() and (calibrated <= 1).all()
    assert (np.diff(calibrated) >= 0).all()
    assert calibrated[0] == 0.0 and calibrated[-1] == 1.0
    # At a reference score the value is the share of reference scores at or below it.
    probe = np.sort(reference)[[49, 249, 449]]
    np.testing.assert_allclose(scores_calibrate(reference, probe), [0.1, 0.5, 0.9])


def test_calibration_with_ties_and_a_single_value():
    np.testing.assert_allclose(scores_calibrate([1, 1, 2, 3], [1, 2, 3, 4]), [0.5, 0.75, 1.0, 1.0])
    np.testing.assert_array_equal(scores_calibrate([5, 5], [4, 5, 6]), [0.0, 1.0, 1.0])


@pytest.mark.parametrize("contamination", [0.01, 0.05, 0.1, 0.25])
def test_contamination_share_is_exact_on_distinct_scores(contamination):
    scores = np.random.default_rng(1).permutation(1000).astype(float) / 7.0
    threshold = threshold_choose(scores, contamination=contamination)
    flags = threshold.flags(scores)
    assert flags.sum() == round(contamination * 1000)
    assert threshold.share == pytest.approx(contamination)
    assert threshold.method == "contamination"
    assert scores[flags].min() > scores[~flags].max()


def test_threshold_by_value_and_refusals():
    scores = np.arange(10, dtype=float)
    threshold = threshold_choose(scores, value=7)
    assert (threshold.value, threshold.method, threshold.share) == (7.0, "score", 0.3)
    assert "7" in threshold.explanation and "30.0 %" in threshold.explanation
    with pytest.raises(ValueError):
        threshold_choose(scores, value=1, contamination=0.1)
    with pytest.raises(ValueError):
        threshold_choose(scores, contamination=1.5)


def test_auto_threshold_is_robust_and_explained():
    rng = np.random.default_rng(2)
    normal = rng.normal(0, 1, size=1000)
    scores = np.concatenate([normal, [50.0, 60.0, 70.0]])
    threshold = threshold_choose(scores)
    median = np.median(scores)
    mad = np.median(np.abs(scores - median))
    assert threshold.method == "auto"
    assert threshold.value == pytest.approx(median + 3 * 1.4826 * mad)
    assert threshold.flags(scores)[-3:].all() and threshold.share < 0.01
    assert "median" in threshold.explanation and "3" in threshold.explanation
    # The outliers do not drag the threshold up as a mean + 3 std would.
    assert threshold.value < scores.mean() + 3 * scores.std()


def test_auto_threshold_falls_back_when_mad_is_zero():
    scores = np.array([0.0] * 80 + [1.0] * 15 + [9.0] * 5)
    threshold = threshold_choose(scores)
    assert threshold.flags(scores)[-5:].all() and threshold.share < 0.5
    same = threshold_choose(np.ones(20))
    assert same.share == 0.0 and "same" in same.explanation
    assert isinstance(same, Threshold) and same.to_dict()["method"] == "auto"


def test_contributions_sum_to_one_and_pick_the_perturbed_column():
    rng = np.random.default_rng(3)
    errors = rng.uniform(0.5, 1.5, size=(50, 5))
    errors[7, 3] += 40.0  # one-hot feature of column "c"
    errors[9, 0] += 40.0
    columns, shares = contributions(errors, ["a", "b", "c", "c", "d"])
    assert columns == ["a", "b", "c", "d"] and shares.shape == (50, 4)
    np.testing.assert_allclose(shares.sum(1), 1.0)
    assert shares[7].argmax() == 2 and shares[9].argmax() == 0
    np.testing.assert_allclose(shares[0], [errors[0, 0], errors[0, 1], errors[0, 2:4].sum(), errors[0, 4]]
                               / errors[0].sum())  # fmt: skip
    _, zero = contributions(np.zeros((1, 2)), ["x", "y"])
    np.testing.assert_allclose(zero, [[0.5, 0.5]])
    with pytest.raises(ValueError):
        contributions(errors, ["a", "b"])


def test_histogram_counts_every_finite_score():
    scores = np.concatenate([np.random.default_rng(4).normal(size=999), [np.nan, np.inf]])
    hist = histogram(scores, bins=10)
    assert len(hist["edges"]) == 11 and len(hist["counts"]) == 10 and sum(hist["counts"]) == 999
    assert hist["edges"][0] == pytest.approx(np.nanmin(scores[:999]))
    flat = histogram(np.full(5, 2.0), bins=4)
    assert sum(flat["counts"]) == 5 and flat["edges"][0] < 2.0 < flat["edges"][-1]
    assert histogram(np.array([])) == {"edges": [], "counts": []}


def test_ranges_from_flags():
    flags = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
    assert ranges_from_flags(flags) == [(0, 2), (4, 5), (6, 9)]
    assert ranges_from_flags(np.zeros(4, bool)) == []
    assert ranges_from_flags(np.ones(3, bool)) == [(0, 3)]
    assert ranges_from_flags(np.array([], bool)) == []


def test_metrics_match_scikit_learn_with_ties():
    from sklearn.metrics import average_precision_score, roc_auc_score

    rng = np.random.default_rng(5)
    for _ in range(20):
        labels = rng.integers(0, 2, size=40)
        scores = rng.integers(0, 6, size=40).astype(float)
        got = scores_metrics(labels, scores)
        assert got["roc_auc"] == pytest.approx(roc_auc_score(labels, scores))
        assert got["average_precision"] == pytest.approx(average_precision_score(labels, scores))
    assert scores_metrics(np.zeros(5), np.arange(5)) == {"roc_auc": None, "average_precision": None}
    assert scores_metrics([0, 1, 0], [0.0, np.inf, np.nan])["roc_auc"] == 1.0
