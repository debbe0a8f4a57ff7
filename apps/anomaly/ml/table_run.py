"""One table through every detector: our autoencoders and PyOD's baselines on the same rows, in one job.

Pure (no Django): the worker calls `table_detect` with a parsed table and the person's choices and
stores what it returns; the benchmark loops over the same detectors. Workers only (torch).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import TableFitConfig
from .scores import Threshold, contributions, histogram, scores_calibrate, scores_metrics, threshold_choose
from .table_baselines import table_baseline
from .table_data import ColumnPlan, Table, TableEncoder
from .table_detectors import TableAutoencoder

TOP = 20  # anomalies listed with their columns' shares
SORTED_MAX = 2000  # scores sent to the page for its threshold slider (a sorted sample)

Progress = Callable[[float, str], None]


@dataclass
class TableResult:
    encoder: TableEncoder
    detector: TableAutoencoder  # the served one (the first of config.detectors)
    detector_name: str
    raw: np.ndarray  # its scores, input order
    calibrated: np.ndarray  # 0..1
    threshold: Threshold
    flags: np.ndarray
    top: list[dict[str, Any]]
    detectors: dict[str, dict[str, Any]] = field(default_factory=dict)  # every detector's figures
    metrics: dict[str, Any] = field(default_factory=dict)  # the served detector's, with labels


def table_detect(
    table: Table,
    plan: list[ColumnPlan],
    config: TableFitConfig,
    *,
    labels: np.ndarray | None = None,
    device: Any = "cpu",
    progress: Progress | None = None,
) -> TableResult:
    """Fit the encoder and every detector on all rows (unsupervised: labels only measure)."""
    say = progress or (lambda fraction, message: None)
    say(0.02, "Encoding the columns")
    encoder = TableEncoder().fit(table, plan)
    X = encoder.transform(table)
    names = list(config.detectors) + list(config.baselines or ())
    figures: dict[str, dict[str, Any]] = {}
    served: tuple[str, TableAutoencoder, np.ndarray] | None = None
    for i, name in enumerate(names):
        ours = name in config.detectors
        start, end = 0.05 + 0.85 * i / len(names), 0.05 + 0.85 * (i + 1) / len(names)
        say(start, f"Fitting {name} on {len(X):,} rows × {X.shape[1]} features")
        began = time.perf_counter()
        if ours:

            def on_epoch(epoch: int, fraction: float, loss: float, _s=start, _e=end, _n=name) -> None:
                say(_s + (_e - _s) * min(1.0, fraction), f"{_n}: epoch {epoch}, loss {loss:.4f}")

            detector = TableAutoencoder(
                name, seconds=config.seconds, device=device, seed=config.seed, on_epoch=on_epoch
            )
        else:
            detector = table_baseline(name, seed=config.seed)
        detector.fit(X)
        scores = np.asarray(detector.score_samples(X), np.float64)
        figures[name] = {"seconds": round(time.perf_counter() - began, 3)}
        if labels is not None:
            figures[name].update(scores_metrics(labels, scores))
        if ours and served is None:
            served = (name, detector, scores)
    assert served is not None, "TableFitConfig requires at least one of our detectors"
    name, detector, raw = served
    say(0.92, "Scoring the rows and explaining the top ones")
    calibrated = scores_calibrate(raw, raw)
    threshold = threshold_choose(raw, contamination=config.contamination)
    flags = raw >= threshold.value
    order = np.argsort(-raw, kind="stable")[:TOP]
    columns, shares = contributions(detector.feature_errors(X[order]), encoder.feature_columns_)
    top = [
        {
            "row": int(row),
            "score": float(calibrated[row]),
            "raw_score": float(raw[row]),
            "contributions": {column: round(float(share), 4) for column, share in zip(columns, shares[k], strict=True)},
        }
        for k, row in enumerate(order)
    ]
    return TableResult(
        encoder=encoder,
        detector=detector,
        detector_name=name,
        raw=raw,
        calibrated=calibrated,
        threshold=threshold,
        flags=flags,
        top=top,
        detectors=figures,
        metrics=figures[name],
    )


def scores_sorted_sample(raw: np.ndarray, limit: int = SORTED_MAX) -> list[float]:
    """At most `limit` of the scores, sorted, evenly spaced in rank: the page counts flags from it."""
    ordered = np.sort(np.asarray(raw, np.float64))
    if len(ordered) > limit:
        ordered = ordered[np.linspace(0, len(ordered) - 1, limit).round().astype(int)]
    return [float(x) for x in ordered]


def table_summary_figures(result: TableResult) -> dict[str, Any]:
    """What the page and the API show besides the per-row scores (JSON)."""
    return {
        "histogram": histogram(result.raw),
        "sorted_scores": scores_sorted_sample(result.raw),
        "flagged": int(result.flags.sum()),
    }
