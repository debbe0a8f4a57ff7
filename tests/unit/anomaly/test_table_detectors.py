"""The table autoencoders (apps.anomaly.ml.table_detectors) and the PyOD baselines, on tiny synthetic tables."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from apps.anomaly.ml.table_baselines import BASELINES, table_baseline
from apps.anomaly.ml.table_detectors import DETECTORS, TableAutoencoder

torch.set_num_threads(1)
SMALL = {"members": 4, "epochs": 40, "seconds": 60.0}  # no time limit hit: results depend on the seed only


def correlated(n: int, seed: int) -> np.ndarray:
    """Rows on a 2-D plane in 6-D (plus a little noise): an autoencoder with a small code rebuilds them."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 2))
    mixing = np.array([[1.0, 0.5, -1.0, 0.0, 0.7, 0.3], [0.0, 1.0, 0.5, -1.0, 0.2, -0.6]])
    return (latent @ mixing + 0.05 * rng.normal(size=(n, 6))).astype(np.float32)


@pytest.mark.parametrize("kind", DETECTORS)
def test_an_injected_outlier_scores_higher(kind):
    train = correlated(300, 0)
    test = correlated(60, 1)
    test[0] = test[1]
    test[0, 3] += 3.0  # off the plane, inside the feature's range: only the correlations betray it
    detector = TableAutoencoder(kind, seed=0, **SMALL).fit(train)
    scores = detector.score_samples(test)
    assert scores.shape == (60,) and scores.dtype == np.float64
    assert scores[0] > scores[1] + 3.0 and scores[0] > np.percentile(scores[1:], 95)
    assert detector.train_scores_.shape == (300,) and detector.fit_seconds_ > 0
    errors = detector.feature_errors(test)
    assert errors.shape == (60, 6) and (errors >= 0).all()
    assert errors[0].argmax() == 3  # the perturbed feature drove the score


def test_same_seed_same_scores_and_state_round_trip():
    train, test = correlated(200, 2), correlated(30, 3)
    first = TableAutoencoder("ae", seed=5, **SMALL).fit(train)
    second = TableAutoencoder("ae", seed=5, **SMALL).fit(train)
    np.testing.assert_array_equal(first.score_samples(test), second.score_samples(test))
    other = TableAutoencoder("ae", seed=6, **SMALL).fit(train)
    assert not np.array_equal(first.score_samples(test), other.score_samples(test))

    buffer = io.BytesIO()
    torch.save(first.state(), buffer)
    buffer.seek(0)
    loaded = TableAutoencoder.from_state(torch.load(buffer, weights_only=True))
    np.testing.assert_array_equal(loaded.score_samples(test), first.score_samples(test))
    np.testing.assert_array_equal(loaded.feature_errors(test), first.feature_errors(test))
    np.testing.assert_array_equal(loaded.train_scores_, first.train_scores_)


@pytest.mark.parametrize("kind", DETECTORS)
def test_scores_are_finite_with_constant_columns_and_huge_values(kind):
    train = correlated(100, 4)
    train[:, 1] = 3.0  # a constant column
    train[:, 4] = 0.0
    detector = TableAutoencoder(kind, seed=0, members=3, epochs=5).fit(train)
    test = correlated(10, 5)
    test[0, 1] = 1e30  # far off the constant
    test[1] = np.finfo(np.float32).max
    test[2, 0] = np.nan
    for values in (detector.score_samples(test), detector.feature_errors(test), detector.train_scores_):
        assert np.isfinite(values).all()
    assert detector.score_samples(test)[0] > np.median(detector.score_samples(test))
    every = TableAutoencoder(kind, seed=0, members=2, epochs=3).fit(np.ones((30, 3), np.float32))
    assert np.isfinite(every.score_samples(np.full((4, 3), 7.0))).all()


def test_progress_budget_and_option_checks():
    seen = []
    detector = TableAutoencoder(
        "ae",
        seed=0,
        members=2,
        epochs=3,
        seconds=60,
        on_epoch=lambda epoch, fraction, loss: seen.append((epoch, fraction, loss)),
    )
    detector.fit(correlated(50, 6))
    assert [entry[0] for entry in seen] == [1, 2, 3] and all(0 < entry[1] <= 1 for entry in seen)
    assert seen[-1][1] == 1.0 and all(np.isfinite(entry[2]) for entry in seen)
    quick = TableAutoencoder("ae", seed=0, members=2, seconds=0.0).fit(correlated(50, 6))
    assert quick.epochs_ == 1 and quick.stopped_by_ == "time"
    with pytest.raises(ValueError):
        TableAutoencoder("ae", width=3)
    with pytest.raises(ValueError):
        TableAutoencoder("pca")
    with pytest.raises(ValueError):
        detector.score_samples(np.zeros((2, 5)))


@pytest.mark.parametrize("name", BASELINES)
def test_baselines_score_the_outlier_higher(name):
    rng = np.random.default_rng(7)
    train = rng.normal(size=(200, 3))
    test = np.vstack([[8.0, 8.0, 8.0], rng.normal(size=(20, 3))])
    detector = table_baseline(name, seed=0).fit(train)
    scores = detector.score_samples(test)
    assert scores.shape == (21,) and np.isfinite(scores).all()
    assert scores[0] > scores[1:].max()
    with pytest.raises(ValueError):
        table_baseline("lof")


def test_csv_to_contributions_end_to_end():
    from apps.anomaly.ml.scores import contributions, scores_calibrate, threshold_choose
    from apps.anomaly.ml.table_data import TableEncoder, table_parse, table_plan

    rng = np.random.default_rng(8)
    rows = []
    for _ in range(200):
        x, z = rng.uniform(-1.5, 1.5, size=2)  # bounded: no row is extreme along the data's own directions
        colour = "red" if x > 0 else "blue"  # the category follows x
        rows.append(f"{x:.4f},{2 * x + 0.05 * rng.normal():.4f},{z:.4f},{colour}")
    rows[17] = "1.0,-2.0,0.1,red"  # y contradicts x (x says y ≈ 2), each value ordinary on its own
    table = table_parse(("x,y,z,colour\n" + "\n".join(rows)).encode())
    encoder = TableEncoder().fit(table, table_plan(table))
    X = encoder.transform(table)
    detector = TableAutoencoder("ae", seed=0, members=4, epochs=1000, seconds=120).fit(X)  # 160 rows: 1 step an epoch
    scores = detector.score_samples(X)
    assert scores.argmax() == 17
    columns, shares = contributions(detector.feature_errors(X), encoder.feature_columns_)
    assert columns == ["x", "y", "z", "colour"] and set(np.argsort(shares[17])[-2:]) >= {columns.index("y")}
    calibrated = scores_calibrate(detector.train_scores_, scores)
    assert calibrated[17] == 1.0 and (calibrated >= 0).all()
    assert threshold_choose(scores).flags(scores)[17]
