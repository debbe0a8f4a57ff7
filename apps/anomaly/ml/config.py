"""The anomaly app's settings, checked in the web process before a job is queued (no torch, no NumPy).

`train anomaly` takes an ImageTrainConfig on an image data set and a SeriesTrainConfig on a shipped
series; a table or series brought by a visitor is fitted with TableFitConfig / SeriesTrainConfig.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.ml.config import Config, check

IMAGE_DATASETS = ("fashion-mnist", "mnist")
IMAGE_MODELS = ("conv", "vae", "dae")
IMAGE_BASELINES = ("pca", "iforest", "ocsvm", "kde")
SERIES_DATASETS = ("ucr-135", "ecg-diff-count-3", "yahoo", "mitdb")
SERIES_MODELS = ("gru", "lstm", "conv")
# The 1-D conv encoder–decoder is the default: it beat the GRU and LSTM ones on 3 of the 4 shipped series
# (benchmarks/anomaly_series.py; the issue asks for it "if it does better").
SERIES_DEFAULT = "conv"
SERIES_BASELINES = ("matrix_profile", "sub_iforest", "sub_pca")
TABLE_DETECTORS = ("ae", "vae")
TABLE_BASELINES = ("iforest", "ecod", "knn")
MAX_SECONDS = 6 * 3600.0


def _names_check(field: str, names: tuple[str, ...] | None, known: tuple[str, ...]) -> None:
    for name in names or ():
        check(name in known, field, f"{name!r} is not one of {', '.join(known)}")


@dataclass(frozen=True)
class ImageTrainConfig(Config):
    """One autoencoder per normal class, each trained on that class's training images."""

    model: str = "conv"
    seconds: float = 60.0  # training time per class
    epochs: int | None = None  # stop after this many epochs, if the time has not run out first
    classes: tuple[int, ...] = tuple(range(10))
    train_count: int | None = None  # the first N training images of each class (all ~6,000 by default)
    test_count: int | None = None  # the first N test images scored (all 10,000 by default)
    baselines: tuple[str, ...] | None = IMAGE_BASELINES  # measured in the same job; none: skip
    seed: int = 0

    def __post_init__(self) -> None:
        check(self.model in IMAGE_MODELS, "model", f"must be one of {', '.join(IMAGE_MODELS)}")
        check(0 < self.seconds <= MAX_SECONDS, "seconds", f"must be in (0, {MAX_SECONDS:g}]")
        check(self.epochs is None or self.epochs >= 1, "epochs", "must be at least 1")
        check(len(set(self.classes)) == len(self.classes), "classes", "must not repeat a class")
        check(all(0 <= c <= 9 for c in self.classes), "classes", "must be class numbers 0..9")
        check(self.train_count is None or self.train_count >= 50, "train_count", "must be at least 50")
        check(self.test_count is None or self.test_count >= 100, "test_count", "must be at least 100")
        _names_check("baselines", self.baselines, IMAGE_BASELINES)


@dataclass(frozen=True)
class SeriesTrainConfig(Config):
    """The seq2seq autoencoder over sliding windows of one series, with the baselines beside it."""

    model: str = SERIES_DEFAULT
    seconds: float = 30.0
    epochs: int | None = None
    window: int | None = None  # None: chosen from the series' period
    contamination: float | None = None  # share of points to flag; None: the automatic threshold
    baselines: tuple[str, ...] | None = SERIES_BASELINES
    seed: int = 0

    def __post_init__(self) -> None:
        check(self.model in SERIES_MODELS, "model", f"must be one of {', '.join(SERIES_MODELS)}")
        check(0 < self.seconds <= MAX_SECONDS, "seconds", f"must be in (0, {MAX_SECONDS:g}]")
        check(self.epochs is None or self.epochs >= 1, "epochs", "must be at least 1")
        check(self.window is None or 4 <= self.window <= 1000, "window", "must be between 4 and 1000 points")
        check(self.contamination is None or 0 < self.contamination < 0.5, "contamination", "must be between 0 and 0.5")
        _names_check("baselines", self.baselines, SERIES_BASELINES)


@dataclass(frozen=True)
class TableFitConfig(Config):
    """Our autoencoder detectors on a table, PyOD's detectors beside them."""

    detectors: tuple[str, ...] = TABLE_DETECTORS
    seconds: float = 10.0  # per detector
    contamination: float | None = None
    baselines: tuple[str, ...] | None = TABLE_BASELINES
    seed: int = 0

    def __post_init__(self) -> None:
        _names_check("detectors", self.detectors, TABLE_DETECTORS)
        check(0 < self.seconds <= 600, "seconds", "must be in (0, 600]")
        check(self.contamination is None or 0 < self.contamination < 0.5, "contamination", "must be between 0 and 0.5")
        _names_check("baselines", self.baselines, TABLE_BASELINES)
