"""One-class image detectors on tiny synthetic images: horizontal bars are normal, vertical bars (or boxes) are not."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from apps.anomaly.ml.heatmap import COLOURS, heatmap_rgb, png_bytes
from apps.anomaly.ml.image_baselines import BASELINES, image_baseline
from apps.anomaly.ml.oneclass import auc_mean, oneclass_auc

SMALL = {"code": 8, "width": 8, "batch_size": 32}


@pytest.fixture(autouse=True, scope="module")
def threads_single():
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(before)


def shapes(count: int, kind: str, *, seed: int) -> np.ndarray:
    """uint8 count×28×28 on faint noise: "bar" a horizontal bar, "upright" a vertical one (3×20 pixels each),
    "box" a 10×10 square, each at a random place."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 30, size=(count, 28, 28)).astype(np.uint8)
    for image in images:
        at = rng.integers(3, 22)
        if kind == "bar":
            image[at : at + 3, 4:24] = 230
        elif kind == "upright":
            image[4:24, at : at + 3] = 230
        else:
            at = rng.integers(3, 16)
            image[at : at + 10, at : at + 10] = 230
    return images


@pytest.fixture(scope="module")
def data():
    """Normal: horizontal bars. Test: 60 normal, 60 boxes (the anomalies)."""
    train = shapes(240, "bar", seed=0)
    test = np.concatenate([shapes(60, "bar", seed=1), shapes(60, "box", seed=2)])
    targets = np.r_[np.zeros(60), np.ones(60)]
    return train, test, targets


@pytest.fixture(scope="module")
def conv(data):
    from apps.anomaly.ml.images import OneClassAutoencoder

    epochs = []
    detector = OneClassAutoencoder(
        "conv", epochs=20, seconds=None, seed=3, on_epoch=lambda *args: epochs.append(args), **SMALL
    ).fit(data[0])
    detector.seen_epochs = epochs
    return detector


def test_conv_scores_anomalies_higher(conv, data):
    _, test, targets = data
    scores = conv.score_samples(test)
    assert scores.shape == (120,) and scores.dtype == np.float64 and np.all(np.isfinite(scores))
    assert roc_auc_score(targets, scores) > 0.8
    assert conv.train_scores_.shape == (240,)
    # Scores sit on the training images' scale: the normal test images like the training ones, anomalies above.
    assert np.median(scores[targets == 1]) > np.percentile(conv.train_scores_, 90)
    assert conv.epochs_ == 20 and conv.fit_seconds_ > 0
    # Same brightness, other shape: a vertical bar is an anomaly too.
    upright = np.concatenate([test[:60], shapes(60, "upright", seed=3)])
    assert roc_auc_score(targets, conv.score_samples(upright)) > 0.8


def test_conv_reports_epochs(conv):
    assert [e[0] for e in conv.seen_epochs] == list(range(1, 21))
    fractions = [e[1] for e in conv.seen_epochs]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert all(np.isfinite(e[2]) and e[2] > 0 for e in conv.seen_epochs)


def test_error_maps_show_where_the_anomaly_is(conv, data):
    _, test, _ = data
    maps = conv.error_maps(test[[0, 60]])
    assert maps.shape == (2, 28, 28) and maps.dtype == np.float32 and maps.min() >= 0
    assert conv.error_scale_ > 0
    # The box image's error lies on the box, and it sums far above the normal image's.
    box = test[60] > 200
    assert maps[1][box].mean() > 3 * maps[1][~box].mean()
    assert maps[1].sum() > 3 * maps[0].sum()


def test_state_round_trip_gives_identical_scores(conv, data, tmp_path):
    from apps.anomaly.ml.images import OneClassAutoencoder, detectors_load, detectors_save

    _, test, _ = data
    state = conv.state()
    json.dumps(state["config"])  # JSON-able
    assert all(isinstance(v, np.ndarray) for v in state["arrays"].values())
    again = OneClassAutoencoder.from_state(state)
    np.testing.assert_array_equal(again.score_samples(test), conv.score_samples(test))
    np.testing.assert_array_equal(again.error_maps(test[:3]), conv.error_maps(test[:3]))
    assert again.error_scale_ == conv.error_scale_
    path = tmp_path / "detectors.npz"
    detectors_save(path, {7: conv, 2: again})
    loaded = detectors_load(path)
    assert list(loaded) == [2, 7]
    np.testing.assert_array_equal(loaded[7].score_samples(test), conv.score_samples(test))
    np.testing.assert_array_equal(loaded[7].train_scores_, conv.train_scores_)


def test_same_seed_same_scores_and_another_seed_differs(data):
    from apps.anomaly.ml.images import OneClassAutoencoder

    train, test, _ = data
    first = OneClassAutoencoder("conv", epochs=1, seconds=None, seed=5, **SMALL).fit(train[:100]).score_samples(test)
    second = OneClassAutoencoder("conv", epochs=1, seconds=None, seed=5, **SMALL).fit(train[:100]).score_samples(test)
    other = OneClassAutoencoder("conv", epochs=1, seconds=None, seed=6, **SMALL).fit(train[:100]).score_samples(test)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


@pytest.mark.parametrize("model", ["vae", "dae"])
def test_vae_and_dae_score_anomalies_higher(model, data):
    from apps.anomaly.ml.images import OneClassAutoencoder

    train, test, targets = data
    options = {"code": 4, "width": 8, "hidden": 32} if model == "vae" else SMALL
    detector = OneClassAutoencoder(model, epochs=4, seconds=None, seed=0, **options).fit(train)
    scores = detector.score_samples(test)
    assert scores.shape == (120,) and np.all(np.isfinite(scores))
    assert roc_auc_score(targets, scores) > 0.8
    maps = detector.error_maps(test[:2])
    assert maps.shape == (2, 28, 28) and maps.min() >= 0 and detector.error_scale_ > 0


def test_time_budget_stops_training(data):
    from apps.anomaly.ml.images import OneClassAutoencoder

    detector = OneClassAutoencoder("conv", seconds=0.3, seed=0, **SMALL).fit(data[0])
    assert detector.epochs_ >= 1 and detector.fit_seconds_ < 5


def test_bad_settings_are_refused():
    from apps.anomaly.ml.images import OneClassAutoencoder

    with pytest.raises(ValueError, match="model"):
        OneClassAutoencoder("gan")
    with pytest.raises(ValueError, match="options"):
        OneClassAutoencoder("conv", colour=3)
    with pytest.raises(ValueError, match="images"):
        OneClassAutoencoder("conv", epochs=1).fit(np.zeros((5, 32, 32), np.uint8))


def test_floats_in_unit_range_score_like_uint8(conv, data):
    _, test, _ = data
    np.testing.assert_allclose(conv.score_samples(test[:5].astype(np.float32) / 255), conv.score_samples(test[:5]))


# ---- heat maps ----------------------------------------------------------------------------------


def test_heatmap_uses_the_fixed_scale_not_each_image():
    quiet = np.zeros((28, 28), np.float32)
    quiet[5, 5] = 0.02
    loud = np.full((28, 28), 0.5, np.float32)
    loud[5, 5] = 0.02
    rgb = heatmap_rgb(np.stack([quiet, loud]), scale=0.1)
    assert rgb.shape == (2, 28, 28, 3) and rgb.dtype == np.uint8
    # The same error, the same colour, whatever else each image holds (per-image scaling would differ).
    np.testing.assert_array_equal(rgb[0, 5, 5], rgb[1, 5, 5])
    np.testing.assert_array_equal(rgb[0, 0, 0], COLOURS[0])  # zero error: the darkest colour
    np.testing.assert_array_equal(rgb[1, 0, 0], COLOURS[-1])  # at or above the scale: the brightest
    assert heatmap_rgb(quiet, 0.1).shape == (28, 28, 3)
    # Brighter for more error: the colour scale is ordered.
    assert np.all(np.diff(COLOURS.astype(int).sum(1)) >= 0)
    with pytest.raises(ValueError):
        heatmap_rgb(quiet, 0.0)


def test_png_bytes_upscales_with_crisp_pixels():
    from PIL import Image

    rgb = heatmap_rgb(np.linspace(0, 1, 28 * 28).reshape(28, 28), 1.0)
    image = np.asarray(Image.open(io.BytesIO(png_bytes(rgb, upscale=4))))
    assert image.shape == (112, 112, 3)
    np.testing.assert_array_equal(image[::4, ::4], rgb)
    np.testing.assert_array_equal(image[3::4, 3::4], rgb)
    grey = np.asarray(Image.open(io.BytesIO(png_bytes(np.full((28, 28), 1.0)))))
    assert grey.shape == (28, 28) and grey.min() == 255


def test_web_modules_do_not_import_torch():
    code = (
        "import sys; import apps.anomaly.ml.heatmap, apps.anomaly.ml.oneclass, apps.anomaly.ml.image_baselines; "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- baselines and the protocol -----------------------------------------------------------------


@pytest.mark.parametrize("name", BASELINES)
def test_baselines_score_anomalies_higher(name, data):
    train, test, targets = data
    scores = image_baseline(name, seed=0).fit(train).score_samples(test)
    assert scores.shape == (120,) and np.all(np.isfinite(scores))
    assert roc_auc_score(targets, scores) > 0.8


def test_unknown_baseline_is_refused():
    with pytest.raises(ValueError, match="baseline"):
        image_baseline("lof")


class Brightness:
    """A hand-made detector: brighter = more anomalous (ignores its training images)."""

    def fit(self, images):
        return self

    def score_samples(self, images):
        return np.asarray(images, dtype=np.float64).reshape(len(images), -1).mean(1)


def test_oneclass_auc_per_class():
    rng = np.random.default_rng(0)
    dark, bright = rng.integers(0, 50, (30, 28, 28)), rng.integers(200, 255, (30, 28, 28))
    images = np.concatenate([dark, bright]).astype(np.uint8)
    labels = np.r_[np.zeros(30, int), np.ones(30, int)]
    seen = []
    aucs = oneclass_auc(
        lambda c: Brightness(), images, labels, images, labels, classes=[0, 1], on_class=lambda *a: seen.append(a)
    )
    # Class 0 normal: the anomalies are the bright ones, all scored higher; class 1 normal: all scored lower.
    assert aucs == {0: 1.0, 1: 0.0}
    assert auc_mean(aucs) == 0.5
    assert [s[0] for s in seen] == [0, 1] and isinstance(seen[0][2], Brightness)
    with pytest.raises(ValueError, match="class 5"):
        oneclass_auc(lambda c: Brightness(), images, labels, images, labels, classes=[5])
