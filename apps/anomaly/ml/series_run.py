"""One series through the seq2seq autoencoder and the baselines, in one job (workers and benchmarks; torch)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import SeriesTrainConfig
from .scores import Threshold, ranges_from_flags, threshold_choose
from .series_baselines import series_baseline, window_choose
from .series_data import Series
from .series_metrics import point_roc_auc, top_hit, vus_pr
from .series_models import Seq2SeqAutoencoder

CHART_POINTS = 4000  # points drawn on the page's chart (min/max per bucket beyond that)

Progress = Callable[[float, str], None]


@dataclass
class SeriesResult:
    model: Seq2SeqAutoencoder
    window: int
    scores: np.ndarray  # per point, higher = more anomalous
    threshold: Threshold
    ranges: list[tuple[int, int]]
    metrics: dict[str, Any] = field(default_factory=dict)
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> figures
    baseline_scores: dict[str, np.ndarray] = field(default_factory=dict)


def series_figures(labels: np.ndarray | None, scores: np.ndarray, window: int) -> dict[str, Any]:
    """Point ROC-AUC, VUS-PR and the top-1 hit, where the series has labels."""
    if labels is None or labels.min() == labels.max():
        return {}
    return {
        "roc_auc": float(point_roc_auc(labels, scores)),
        "vus_pr": float(vus_pr(labels, scores)),
        "top1_hit": bool(top_hit(labels, scores, k=1, tolerance=100, window=window)),
    }


def series_detect(
    series: Series, config: SeriesTrainConfig, *, device: Any = "cpu", progress: Progress | None = None
) -> SeriesResult:
    say = progress or (lambda fraction, message: None)
    values = np.asarray(series.values, np.float64)
    window = config.window or window_choose(values[: series.train_end] if series.train_end else values)
    names = list(config.baselines or ())
    share = 0.75 if names else 0.9
    say(0.02, f"Training the seq2seq autoencoder ({config.model}, window {window})")

    def on_epoch(epoch: int, fraction: float, loss: float) -> None:
        say(0.02 + share * min(1.0, fraction), f"{config.model}: epoch {epoch}, loss {loss:.4f}")

    began = time.perf_counter()
    model = Seq2SeqAutoencoder(
        config.model, window=window, seconds=config.seconds, epochs=config.epochs, device=device, seed=config.seed,
        on_epoch=on_epoch,
    ).fit(values, train_end=series.train_end)  # fmt: skip
    scores = np.asarray(model.score_points(values), np.float64)
    metrics = {"seconds": round(time.perf_counter() - began, 3), "window": window,
               **series_figures(series.labels, scores, window)}  # fmt: skip
    baselines, baseline_scores = {}, {}
    for i, name in enumerate(names):
        say(0.02 + share + (0.95 - share) * i / len(names), f"Baseline: {name}")
        began = time.perf_counter()
        detector = series_baseline(name, window=window, seed=config.seed).fit(values, train_end=series.train_end)
        found = np.asarray(detector.score_points(values), np.float64)
        baselines[name] = {"seconds": round(time.perf_counter() - began, 3),
                           **series_figures(series.labels, found, window)}  # fmt: skip
        baseline_scores[name] = found
    threshold = threshold_choose(scores, contamination=config.contamination)
    flags = scores >= threshold.value
    return SeriesResult(
        model=model,
        window=window,
        scores=scores,
        threshold=threshold,
        ranges=ranges_from_flags(flags),
        metrics=metrics,
        baselines=baselines,
        baseline_scores=baseline_scores,
    )


def chart_points(values: np.ndarray, scores: np.ndarray, limit: int = CHART_POINTS) -> dict[str, list]:
    """Downsampled for drawing: every point up to `limit`; beyond, each bucket's lowest and highest value, each
    drawn with the bucket's highest score (so neither a spike in the series nor one in the scores is lost)."""
    n = len(values)
    if n <= limit:
        index, shown = np.arange(n), np.asarray(scores)
    else:
        buckets = np.array_split(np.arange(n), limit // 2)
        index = np.concatenate([sorted((b[np.argmin(values[b])], b[np.argmax(values[b])])) for b in buckets])
        shown = np.repeat([scores[b].max() for b in buckets], 2)
    return {
        "index": index.tolist(),
        "values": np.round(values[index], 6).tolist(),
        "scores": np.round(shown, 6).tolist(),
    }
