"""Time-series anomaly detection: readers, upload refusals, metrics, the seq2seq autoencoder and the baselines."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from apps.anomaly.ml.series_data import SHIPPED, Series, SeriesError, series_available, series_load, series_parse
from apps.anomaly.ml.series_metrics import point_roc_auc, top_hit, top_peaks, vus_curves, vus_pr, vus_roc
from apps.anomaly.ml.series_windows import window_choose, windows_make, windows_to_points

# -- readers ---------------------------------------------------------------------------------------------------

EXPECTED = {  # name → (points, anomalous points, train_end)
    "ucr-135": (7501, 12, 1200),
    "ecg-diff-count-3": (10000, 300, None),
    "yahoo": (1000, 7, None),
    "mitdb": (7500, 352, None),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_series_load_with_documented_sizes(name: str) -> None:
    if name not in series_available():
        pytest.skip(f"{SHIPPED[name]['package']} is not installed")
    series = series_load(name)
    points, anomalous, train_end = EXPECTED[name]
    assert isinstance(series, Series)
    assert series.values.dtype == np.float64 and series.values.shape == (points,)
    assert series.labels is not None and series.labels.dtype == np.int8
    assert int(series.labels.sum()) == anomalous
    assert series.train_end == train_end
    assert np.isfinite(series.values).all()
    if train_end is not None:
        assert series.labels[:train_end].sum() == 0  # the training part is normal


def test_ucr_anomaly_range_is_the_documented_one() -> None:
    if "ucr-135" not in series_available():
        pytest.skip("aeon is not installed")
    assert series_load("ucr-135").anomaly_ranges() == [(4187, 4198)]


def test_reading_shipped_series_imports_no_heavy_package() -> None:
    code = (
        "import sys; from apps.anomaly.ml.series_data import series_available, series_load\n"
        "[series_load(n) for n in series_available()]\n"
        "bad = [m for m in ('torch', 'pandas', 'aeon', 'sktime') if m in sys.modules]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_series_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        series_load("no-such-series")


def _csv(values, header: str | None = "value") -> bytes:
    lines = ([header] if header else []) + [str(v) for v in values]
    return ("\n".join(lines) + "\n").encode()


def test_parse_picks_the_numeric_column_and_labels() -> None:
    rows = ["timestamp,name,value,is_anomaly"] + [f"{i},x{i},{np.sin(i / 5):.4f},{int(i == 30)}" for i in range(80)]
    series = series_parse("\n".join(rows).encode(), label_column="is_anomaly")
    assert series.name == "value"
    assert len(series) == 80
    assert series.labels is not None and series.labels.tolist().index(1) == 30
    np.testing.assert_allclose(series.values[:3], [0.0, np.sin(0.2), np.sin(0.4)], atol=1e-4)


def test_parse_accepts_a_single_unnamed_column() -> None:
    series = series_parse(_csv(range(60), header=None))
    assert len(series) == 60 and series.values[59] == 59.0


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "file", "binary"),
        (b"\xff\xfe\xfa" * 40, "file", "not a text"),
        (_csv(range(10)), "file", "at least"),
        (b"name,city\n" + b"ann,paris\n" * 60, "file", "no column of numbers"),
        (_csv([1.0] * 55 + ["nan"]), "column", "NaN"),
        (_csv([1.0] * 55 + ["inf"]), "column", "NaN or infinite"),
        (_csv([1.0] * 55 + ["abc", "2", "x"]), "column", "rows 57, 59"),
        (_csv(range(300)), "file", "limit"),
    ],
)
def test_parse_refusals_say_why(data: bytes, field: str, words: str) -> None:
    with pytest.raises(SeriesError) as caught:
        series_parse(data, max_bytes=1000 if words == "limit" else 10 * 1024 * 1024)
    assert caught.value.field == field
    assert words in caught.value.message


def test_parse_refuses_too_many_points_and_unknown_columns() -> None:
    with pytest.raises(SeriesError, match="limit"):
        series_parse(_csv(range(120)), max_points=100)
    with pytest.raises(SeriesError) as caught:
        series_parse(_csv(range(60)), column="missing")
    assert caught.value.field == "column"
    bad_labels = "\n".join(["v,label"] + [f"{i},{2 if i == 3 else 0}" for i in range(60)]).encode()
    with pytest.raises(SeriesError) as caught:
        series_parse(bad_labels, label_column="label")
    assert caught.value.field == "label_column" and "5" in caught.value.message  # line 5 of the file


# -- windows and metrics ------------------------------------------------------------------------------------------


def test_windows_to_points_alignments() -> None:
    n, window = 10, 4
    scores = np.zeros(n - window + 1)
    scores[3] = 4.0  # the window over points 3..6
    mean = windows_to_points(scores, n, window, "mean")
    assert mean[:3].tolist() == [0.0, 0.0, 0.0] and mean[7:].tolist() == [0.0, 0.0, 0.0]
    assert mean[3] == pytest.approx(1.0) and mean[6] == pytest.approx(4.0 / 4)
    center = windows_to_points(scores, n, window, "center")
    assert center.shape == (n,) and center.argmax() == 3 + 2  # centred on the window's middle (ceil)
    per_position = np.ones((n - window + 1, window))
    np.testing.assert_allclose(windows_to_points(per_position, n, window), np.ones(n))
    assert windows_make(np.arange(10.0), 4, stride=4)[:, 0].tolist() == [0.0, 4.0, 6.0]


def test_window_choose_finds_the_period() -> None:
    t = np.arange(3000)
    assert abs(window_choose(np.sin(2 * np.pi * t / 50)) - 50) <= 2
    assert window_choose(np.random.default_rng(0).normal(size=3000)) >= 3


def test_point_roc_auc_perfect_reversed_and_ties() -> None:
    labels = np.array([0, 0, 1, 1, 0])
    assert point_roc_auc(labels, np.array([0.1, 0.2, 0.9, 0.8, 0.3])) == 1.0
    assert point_roc_auc(labels, np.array([0.9, 0.8, 0.1, 0.2, 0.7])) == 0.0
    assert point_roc_auc(labels, np.ones(5)) == 0.5
    with pytest.raises(ValueError):
        point_roc_auc(np.zeros(5), np.ones(5))


def test_vus_perfect_score_is_one_and_buffer_zero_is_range_auc() -> None:
    labels = np.zeros(1000, dtype=np.int8)
    labels[400:420] = 1
    perfect = labels.astype(float)
    assert vus_pr(labels, perfect, buffer=0) == pytest.approx(1.0)
    assert vus_roc(labels, perfect, buffer=0) == pytest.approx(1.0)
    # A score that ramps up only inside the range ranks the labelled points first at every buffer: still ~1.
    roc, pr = vus_curves(labels, perfect, buffer=20)
    assert roc > 0.99 and pr > 0.9
    # Random scores: VUS-ROC near 0.5, VUS-PR near the anomaly share.
    noise = np.random.default_rng(0).random(1000)
    roc, pr = vus_curves(labels, noise, buffer=0)
    assert 0.35 < roc < 0.65 and pr < 0.1


def test_vus_rewards_a_near_miss_more_with_a_buffer() -> None:
    labels = np.zeros(500, dtype=np.int8)
    labels[200:210] = 1
    near = np.zeros(500)
    near[212:216] = 1.0  # just after the range: a miss pointwise, a hit inside the buffer
    assert vus_pr(labels, near, buffer=0) < 0.1
    assert vus_pr(labels, near, buffer=20) > vus_pr(labels, near, buffer=0) + 0.1


def test_vus_on_a_hand_computed_case() -> None:
    # Buffer 0, 4 points, one anomaly at 1; scores rank it second. At 250 thresholds the curve has the points
    # (TPR, FPR) = (0, 1/3) [top point 2 only], (1, 1/3), (1, 2/3), (1, 1): ROC area 2/3; precision at full
    # recall = 1/2 so PR area = 1/2.
    labels = np.array([0, 1, 0, 0])
    scores = np.array([0.1, 0.5, 0.9, 0.3])
    assert vus_roc(labels, scores, buffer=0) == pytest.approx(2 / 3)
    assert vus_pr(labels, scores, buffer=0) == pytest.approx(0.5)


def test_top_hit_and_peaks() -> None:
    labels = np.zeros(1000, dtype=np.int8)
    labels[500:510] = 1
    scores = np.zeros(1000)
    scores[560] = 2.0  # 50 points after the range
    scores[100] = 1.0
    assert top_hit(labels, scores, tolerance=100)
    assert not top_hit(labels, scores, tolerance=10)
    scores[100] = 3.0
    assert not top_hit(labels, scores, k=1) and top_hit(labels, scores, k=2)
    assert top_peaks(scores, 2, window=100) == [100, 560]


# -- detectors on a synthetic sine ---------------------------------------------------------------------------------


def _sine_with_anomalies(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(1200)
    values = np.sin(2 * np.pi * t / 40) + 0.05 * rng.normal(size=t.size)
    labels = np.zeros(t.size, dtype=np.int8)
    values[700] += 3.0  # a spike
    labels[700] = 1
    values[900:930] += 1.5  # a level shift
    labels[900:930] = 1
    return values, labels


def test_baselines_score_the_injected_anomalies_higher() -> None:
    from apps.anomaly.ml.series_baselines import BASELINES, series_baseline

    values, labels = _sine_with_anomalies()
    for name in BASELINES:
        detector = series_baseline(name, seed=0).fit(values, train_end=600)
        scores = detector.score_points(values)
        assert scores.shape == values.shape and np.isfinite(scores).all()
        assert point_roc_auc(labels, scores) > 0.9, name


@pytest.mark.parametrize("cell", ["gru", "conv"])
def test_autoencoder_scores_the_injected_anomalies_higher(cell: str) -> None:
    import torch

    from apps.anomaly.ml.series_models import Seq2SeqAutoencoder

    torch.set_num_threads(1)
    values, labels = _sine_with_anomalies()
    seen: list[tuple[int, float, float]] = []
    model = Seq2SeqAutoencoder(cell, window=40, epochs=12, seconds=None, seed=0, hidden=32,
                               on_epoch=lambda e, f, loss: seen.append((e, f, loss)))  # fmt: skip
    model.fit(values, train_end=600)
    scores = model.score_points(values)
    assert scores.shape == values.shape and scores.dtype == np.float64 and np.isfinite(scores).all()
    assert point_roc_auc(labels, scores) > 0.9
    assert model.train_scores_.shape == (600,)
    assert [e for e, _, _ in seen] == list(range(1, 13)) and seen[-1][1] == 1.0
    assert seen[-1][2] < seen[0][2]  # it learned


def test_autoencoder_same_seed_same_scores_and_state_round_trip(tmp_path) -> None:
    import torch

    from apps.anomaly.ml.series_models import Seq2SeqAutoencoder

    torch.set_num_threads(1)
    values, _ = _sine_with_anomalies(1)
    values = values[:500]
    first = Seq2SeqAutoencoder("lstm", window=20, epochs=2, seconds=None, seed=3, hidden=16).fit(values)
    second = Seq2SeqAutoencoder("lstm", window=20, epochs=2, seconds=None, seed=3, hidden=16).fit(values)
    np.testing.assert_array_equal(first.score_points(values), second.score_points(values))
    other = Seq2SeqAutoencoder("lstm", window=20, epochs=2, seconds=None, seed=4, hidden=16).fit(values)
    assert not np.array_equal(first.score_points(values), other.score_points(values))

    path = tmp_path / "model.pt"
    torch.save(first.state(), path)
    loaded = Seq2SeqAutoencoder.from_state(torch.load(path, weights_only=True), device="cpu")
    assert loaded.window_ == first.window_
    np.testing.assert_allclose(loaded.score_points(values), first.score_points(values), rtol=1e-6)
    np.testing.assert_allclose(loaded.train_scores_, first.train_scores_)


def test_autoencoder_respects_its_time_budget() -> None:
    from apps.anomaly.ml.series_models import Seq2SeqAutoencoder

    values, _ = _sine_with_anomalies()
    model = Seq2SeqAutoencoder("gru", window=40, epochs=1000, seconds=1.0, seed=0).fit(values)
    assert model.stopped_by_time_ and model.epochs_done_ < 1000
    assert model.fit_seconds_ < 6.0  # the budget plus scoring the training part


def test_autoencoder_refuses_bad_settings() -> None:
    from apps.anomaly.ml.series_models import Seq2SeqAutoencoder

    with pytest.raises(ValueError, match="cell"):
        Seq2SeqAutoencoder("transformer")
    with pytest.raises(ValueError, match="unknown option"):
        Seq2SeqAutoencoder("gru", hiden=3)
    with pytest.raises(ValueError, match="finite"):
        Seq2SeqAutoencoder("gru", epochs=1).fit(np.array([1.0, np.nan] * 50))
