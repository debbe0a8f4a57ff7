"""What the pages show about anomaly scores: calibrated 0..1 values, thresholds, per-column contributions,
histograms, flagged ranges, and ROC-AUC / average precision against labels.

ANOMALY SCORES here are always higher = more anomalous (PyOD's `decision_function` sense, NOT scikit-learn's
`score_samples` sign). A row (or point) is flagged when its score is ≥ the threshold's value.

NumPy only: the web process imports this module (it must never import torch); the series part uses it too.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

MAD_TO_SIGMA = 1.4826  # MAD × this estimates the standard deviation of a normal distribution
AUTO_SIGMAS = 3.0


def _finite(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64).ravel()
    return np.nan_to_num(scores, nan=-np.inf) if scores.size else scores


def scores_calibrate(reference: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """0..1 per score: the share of the `reference` scores (the training rows' own scores) that are ≤ it,
    interpolated linearly between neighbouring reference scores. 0.99 reads "scores higher than 99 % of
    the rows the model learned from"; everything above the highest reference score is 1. Monotone
    (never decreasing) in the score, so it ranks rows exactly as the raw scores do. NaN counts as lowest."""
    ref = np.sort(np.asarray(reference, dtype=np.float64).ravel())
    ref = ref[np.isfinite(ref)]
    scores = np.asarray(scores, dtype=np.float64)
    if ref.size == 0:
        return np.full(scores.shape, 0.5)
    values, counts = np.unique(ref, return_counts=True)
    cdf = np.cumsum(counts) / ref.size  # share of reference scores ≤ each distinct value
    filled = np.nan_to_num(scores, nan=-np.inf, posinf=np.inf, neginf=-np.inf)
    if values.size == 1:
        return np.where(filled >= values[0], 1.0, 0.0)
    # Below the lowest reference score the share falls linearly to 0 over one typical gap between scores.
    gap = (values[-1] - values[0]) / (values.size - 1)
    xp = np.concatenate([[values[0] - gap], values])
    fp = np.concatenate([[0.0], cdf])
    out = np.interp(np.clip(filled, xp[0], xp[-1]), xp, fp)
    return np.clip(out, 0.0, 1.0)


@dataclass
class Threshold:
    """Flag scores ≥ `value`. method: "contamination", "score" or "auto"; share: the fraction of the scores it
    was chosen on that it flags; explanation: one sentence for the page."""

    value: float
    method: str
    share: float
    explanation: str

    def flags(self, scores: np.ndarray) -> np.ndarray:
        return np.asarray(scores, dtype=np.float64) >= self.value

    def to_dict(self) -> dict:
        return asdict(self)


def _g(value: float) -> str:
    return f"{value:.4g}"


def threshold_choose(scores: np.ndarray, *, contamination: float | None = None,
                     value: float | None = None) -> Threshold:  # fmt: skip
    """A threshold on `scores`: by contamination (flag the top round(contamination · N) scores, at least one;
    exact on distinct scores, ties at the cut all flagged), by a score value, or automatically (neither given):
    the median plus 3 robust standard deviations (1.4826 × the median absolute deviation), a rule that holds
    whatever the score's units; when more than half the scores are equal (MAD 0) the spread falls back to the
    interquartile range / 1.349, then the standard deviation."""
    if contamination is not None and value is not None:
        raise ValueError("give contamination or value, not both")
    scores = _finite(scores)
    n = scores.size
    if n == 0:
        raise ValueError("no scores to choose a threshold on")
    if contamination is not None:
        if not 0.0 < contamination < 1.0:
            raise ValueError("contamination must be between 0 and 1 (exclusive)")
        k = min(n, max(1, int(round(contamination * n))))
        cut = float(np.partition(scores, n - k)[n - k])
        share = float(np.mean(scores >= cut))
        return Threshold(cut, "contamination", share,
                         f"The {k:,} highest-scoring of {n:,} rows ({100 * contamination:g} % contamination) are "
                         f"flagged: scores ≥ {_g(cut)}.")  # fmt: skip
    if value is not None:
        value = float(value)
        if not math.isfinite(value):
            raise ValueError("the threshold must be a finite number")
        share = float(np.mean(scores >= value))
        return Threshold(value, "score", share,
                         f"Rows scoring ≥ {_g(value)} (the score you chose) are flagged: "
                         f"{int(round(share * n)):,} of {n:,} ({100 * share:.1f} %).")  # fmt: skip
    finite = scores[np.isfinite(scores)]
    median = float(np.median(finite)) if finite.size else 0.0
    mad = float(np.median(np.abs(finite - median))) if finite.size else 0.0
    spread, how = MAD_TO_SIGMA * mad, f"1.4826 × the median absolute deviation = {_g(MAD_TO_SIGMA * mad)}"
    if not spread > 0 and finite.size:
        q25, q75 = np.percentile(finite, [25, 75])
        spread, how = float(q75 - q25) / 1.349, f"the interquartile range / 1.349 = {_g(float(q75 - q25) / 1.349)}"
        if not spread > 0:
            spread, how = float(finite.std()), f"the standard deviation = {_g(float(finite.std()))}"
    if not spread > 0:
        cut = float(np.nextafter(median, np.inf))
        return Threshold(cut, "auto", float(np.mean(scores >= cut)),
                         "All rows score the same, so none is flagged automatically; choose a contamination or a "
                         "score to flag rows.")  # fmt: skip
    cut = median + AUTO_SIGMAS * spread
    share = float(np.mean(scores >= cut))
    return Threshold(cut, "auto", share,
                     f"Automatic: rows scoring more than 3 robust standard deviations above the typical row are "
                     f"flagged, i.e. ≥ {_g(cut)} = median {_g(median)} + 3 × {_g(spread)} ({how}); "
                     f"{int(round(share * n)):,} of {n:,} rows ({100 * share:.1f} %).")  # fmt: skip


def contributions(feature_errors: np.ndarray, feature_columns: list[str]) -> tuple[list[str], np.ndarray]:
    """Per-feature errors (N×F, e.g. a detector's `feature_errors`) summed per source column (one-hot features
    of one column add up) → (columns in first-seen order, N×C shares that sum to 1 per row; a row with no
    error at all gets equal shares). Negative or non-finite errors count as 0."""
    errors = np.asarray(feature_errors, dtype=np.float64)
    if errors.ndim != 2 or errors.shape[1] != len(feature_columns):
        raise ValueError(f"feature_errors must be N×{len(feature_columns)}, got shape {errors.shape}")
    errors = np.clip(np.nan_to_num(errors, nan=0.0, posinf=np.finfo(np.float64).max / (errors.shape[1] + 1)),
                     0.0, None)  # fmt: skip
    columns = list(dict.fromkeys(feature_columns))
    index = np.asarray([columns.index(name) for name in feature_columns], dtype=np.int64)
    per_column = np.zeros((errors.shape[0], len(columns)), dtype=np.float64)
    np.add.at(per_column.T, index, errors.T)
    totals = per_column.sum(1, keepdims=True)
    shares = np.divide(per_column, totals, out=np.full_like(per_column, 1.0 / max(1, len(columns))),
                       where=totals > 0)  # fmt: skip
    return columns, shares


def histogram(scores: np.ndarray, bins: int = 40) -> dict:
    """{"edges": bins + 1 floats, "counts": bins ints} over the finite scores (one unit-wide range around
    them when they are all equal; empty lists when there are none)."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    scores = scores[np.isfinite(scores)]
    if scores.size == 0:
        return {"edges": [], "counts": []}
    low, high = float(scores.min()), float(scores.max())
    if not high > low:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(scores, bins=bins, range=(low, high))
    return {"edges": [float(edge) for edge in edges], "counts": [int(count) for count in counts]}


def ranges_from_flags(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index ranges of the runs of True in a 1-D boolean array."""
    flags = np.asarray(flags, dtype=bool).ravel()
    if flags.size == 0:
        return []
    padded = np.concatenate([[False], flags, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(start), int(end)) for start, end in zip(edges[::2], edges[1::2], strict=True)]


def scores_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float | None]:
    """{"roc_auc", "average_precision"} of anomaly scores against labels (1 = anomaly), scikit-learn's; None where a
    metric is undefined (only one class in the labels). NaN ranks lowest and ±inf at the ends: only order matters."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels = np.asarray(labels).ravel().astype(bool)
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if labels.size != scores.size:
        raise ValueError("labels and scores differ in length")
    if labels.all() or not labels.any():
        return {"roc_auc": None, "average_precision": None}
    finite = np.isfinite(scores)
    if not finite.all():
        low, high = (scores[finite].min(), scores[finite].max()) if finite.any() else (0.0, 0.0)
        scores = np.where(np.isnan(scores), low - 2.0, np.clip(scores, low - 1.0, high + 1.0))
    return {
        "roc_auc": float(roc_auc_score(labels, scores)),
        "average_precision": float(average_precision_score(labels, scores)),
    }
