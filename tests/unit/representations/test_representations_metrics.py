"""The comparison figures against their reference implementations (scikit-learn, SciPy) and known arrays."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.manifold import trustworthiness as sk_trustworthiness

from apps.representations.ml import metrics as m


@pytest.mark.parametrize(("n", "d", "k", "chunk"), [(60, 10, 5, 256), (97, 6, 7, 16), (40, 3, 1, 7)])
def test_trustworthiness_matches_scikit_learn(n, d, k, chunk):
    rng = np.random.default_rng(n)
    high = rng.normal(size=(n, d))
    low = high[:, :2] + 0.5 * rng.normal(size=(n, 2))  # a noisy map: some false neighbours
    ours = m.trustworthiness(high, low, k=k, chunk=chunk)
    assert ours == pytest.approx(sk_trustworthiness(high, low, n_neighbors=k), abs=1e-9)
    assert ours < 1.0


def test_continuity_is_trustworthiness_with_the_roles_swapped():
    rng = np.random.default_rng(3)
    high = rng.normal(size=(80, 12))
    low = high @ rng.normal(size=(12, 2))
    assert m.continuity(high, low, k=5) == pytest.approx(sk_trustworthiness(low, high, n_neighbors=5), abs=1e-9)
    assert m.continuity(high, low, k=5) != pytest.approx(m.trustworthiness(high, low, k=5), abs=1e-6)


def test_a_faithful_map_is_fully_trustworthy_and_uint8_pixels_are_read_in_unit_range():
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, size=(50, 4, 4), dtype=np.uint8)
    flat = images.reshape(50, -1).astype(np.float64)
    assert m.trustworthiness(images, flat * 3.0, k=5) == pytest.approx(1.0)
    assert m.trustworthiness(images, flat / 255.0, k=5) == pytest.approx(1.0)


def test_trustworthiness_refuses_a_k_too_large():
    points = np.zeros((10, 2))
    with pytest.raises(ValueError, match="k:"):
        m.trustworthiness(points, points, k=5)


def test_principal_angles_match_scipy_and_see_subspaces_not_bases():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(30, 4)), rng.normal(size=(30, 3))
    expected = np.degrees(subspace_angles(a, b))
    np.testing.assert_allclose(m.principal_angles_deg(a, b), expected, atol=1e-9)
    mixed = a @ rng.normal(size=(4, 4))  # another basis of the same column space
    assert m.principal_angles_deg(a, mixed).max() < 1e-5
    e = np.eye(30)
    np.testing.assert_allclose(m.principal_angles_deg(e[:, :2], e[:, 2:4]), [90.0, 90.0], atol=1e-9)


def test_recon_errors_on_known_arrays():
    clean = np.zeros((2, 2, 2), np.uint8)
    rebuilt = np.array([[[255, 0], [0, 0]], [[255, 255], [255, 0]]], np.uint8)
    np.testing.assert_allclose(m.recon_errors(clean, rebuilt), [1.0, 3.0])
    floats = np.full((2, 2, 2), 0.5)
    np.testing.assert_allclose(m.recon_errors(clean, floats), [1.0, 1.0])  # 4 pixels × 0.25
    assert m.recon_error(clean, rebuilt) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="shapes differ"):
        m.recon_errors(clean, np.zeros((2, 5)))


def test_sparsity_stats_on_known_activations():
    a = np.array([[0.1, 0.9, 0.05, 0.0], [0.1, 0.7, 0.09, 0.0]])
    stats = m.sparsity_stats(a, target=0.1)
    assert stats["mean_activation"] == pytest.approx(a.mean())
    assert stats["mean_activation_error"] == pytest.approx(abs(a.mean() - 0.1) / 0.1)
    assert stats["units_near_target"] == pytest.approx(1 / 4)  # unit 0 only (0.07 is 30 % off)
    assert stats["active_fraction"] == pytest.approx(2 / 8)
    assert stats["dead_fraction"] == pytest.approx(2 / 4)  # units 2 and 3 never reach 0.1
    assert stats["sparsity_target"] == 0.1


def test_label_draws_are_deterministic_with_the_counts_asked():
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 10, size=2000)
    first = m.label_draws(labels, 12, 3, seed=1)
    again = m.label_draws(labels, 12, 3, seed=1)
    assert len(first) == 3 and all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    for idx in first:
        assert np.array_equal(idx, np.sort(idx)) and len(np.unique(idx)) == len(idx) == 120
        assert np.bincount(labels[idx], minlength=10).tolist() == [12] * 10
    assert not np.array_equal(first[0], first[1])  # each draw its own examples
    assert not np.array_equal(first[0], m.label_draws(labels, 12, 1, seed=2)[0])
    assert np.array_equal(m.label_draws(labels, None, 5)[0], np.arange(2000))
    with pytest.raises(ValueError, match="fewer than"):
        m.label_draws(labels, 1000, 1)


def test_precision_recall_of_identical_and_of_disjoint_sets():
    rng = np.random.default_rng(7)
    real = rng.normal(size=(200, 8))
    assert m.precision_recall(real, real.copy()) == {"precision": 1.0, "recall": 1.0}
    assert m.precision_recall(real, real + 1000.0) == {"precision": 0.0, "recall": 0.0}
    # Half the generated points on the real ones, half far away: precision about one half, recall full.
    fake = np.concatenate([real[:100], real[100:] + 1000.0])
    result = m.precision_recall(real, fake)
    assert result["precision"] == pytest.approx(0.5) and result["recall"] > 0.4
    with pytest.raises(ValueError, match="more than k"):
        m.precision_recall(real[:3], real[:3], k=3)


def test_class_coverage_of_a_uniform_and_of_a_collapsed_generator():
    uniform = m.class_coverage(np.repeat(np.arange(10), 20), 10)
    assert uniform == {"class_coverage": 10, "class_entropy": pytest.approx(1.0), "class_max_share": 0.1}
    collapsed = m.class_coverage(np.array([3] * 990 + [4] * 10), 10)
    assert collapsed["class_coverage"] == 2 and collapsed["class_max_share"] == pytest.approx(0.99)
    assert 0 < collapsed["class_entropy"] < 0.1
    assert m.class_coverage(np.array([3] * 995 + [4] * 5), 10)["class_coverage"] == 1  # 0.5 % is under 1 %
