import numpy as np
import pytest

from apps.core.ml.frechet import features_frechet, frechet_distance, gaussian_stats


def test_identical_gaussians_are_at_distance_zero():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 4))
    mu, cov = gaussian_stats(a)
    assert frechet_distance(mu, cov, mu, cov) == pytest.approx(0.0, abs=1e-8)


def test_diagonal_case_by_hand():
    # For commuting (diagonal) covariances: |mu1-mu2|² + sum (s1 - s2)².
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 2.0, 1.5])
    expected = 1.0 + 4.0 + (1 - 3) ** 2 + 0 + (0.5 - 1.5) ** 2
    got = frechet_distance(mu1, np.diag(s1**2), mu2, np.diag(s2**2))
    assert got == pytest.approx(expected, rel=1e-9)


def test_rotation_of_both_leaves_the_distance_unchanged():
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    c1, c2 = np.diag([1.0, 4.0, 9.0]), np.diag([2.0, 1.0, 3.0])
    mu1, mu2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0])
    plain = frechet_distance(mu1, c1, mu2, c2)
    rotated = frechet_distance(q @ mu1, q @ c1 @ q.T, q @ mu2, q @ c2 @ q.T)
    assert rotated == pytest.approx(plain, rel=1e-8)


def test_sample_estimate_approaches_the_population_value():
    rng = np.random.default_rng(2)
    a = rng.normal(0.0, 1.0, size=(20_000, 2))
    b = rng.normal([1.0, 0.0], [1.0, 2.0], size=(20_000, 2))
    assert features_frechet(a, b) == pytest.approx(1.0 + 0.0 + 1.0, abs=0.1)


def test_agrees_with_the_general_matrix_square_root():
    from scipy import linalg

    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    c1, c2 = a @ a.T + 0.1 * np.eye(6), b @ b.T + 0.1 * np.eye(6)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    reference = ((mu1 - mu2) ** 2).sum() + np.trace(c1 + c2 - 2 * np.real(linalg.sqrtm(c1 @ c2)))
    assert frechet_distance(mu1, c1, mu2, c2) == pytest.approx(reference, rel=1e-8)


def test_singular_covariances_from_dead_features():
    rng = np.random.default_rng(4)
    a = np.hstack([rng.normal(size=(300, 3)), np.zeros((300, 2))])  # two features never fire
    b = np.hstack([rng.normal(1.0, 1.0, size=(300, 3)), np.zeros((300, 2))])
    with_dead = features_frechet(a, b)
    assert np.isfinite(with_dead)
    assert with_dead == pytest.approx(features_frechet(a[:, :3], b[:, :3]), rel=1e-6)


def test_stats_need_several_rows():
    with pytest.raises(ValueError, match="features"):
        gaussian_stats(np.zeros((1, 3)))
