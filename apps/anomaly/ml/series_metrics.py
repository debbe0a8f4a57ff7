"""Scores of a time-series detector against labelled anomalies: point ROC-AUC, VUS-ROC/VUS-PR and the top-k hit.

All functions take `labels` (0/1 per point, 1 = anomalous) and `scores` (one float per point, higher = more
anomalous, the convention of every detector in this package).

VUS (Paparrizos et al., "Volume Under the Surface", VLDB 2022; the `RangeAUC_volume_opt` of TSB-AD's
basic_metrics, which we follow step by step): for each buffer length l = 0..L every labelled range is
widened by l//2 points on both sides with soft labels sqrt(1 - distance/l); at 250 thresholds taken from
the sorted scores, recall counts the buffer points only where they are predicted, and is multiplied by
the share of (widened) ranges that hold at least one prediction. The range-based ROC and PR areas are
averaged over l. TSB-AD evaluates with L = the series' period (`window_choose`); `buffer=None` uses 100,
TSB-AD's default.
"""

from __future__ import annotations

import numpy as np

from .series_data import label_ranges

VUS_THRESHOLDS = 250
VUS_BUFFER_DEFAULT = 100


def _check(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = (np.asarray(labels) > 0).astype(np.int8)
    scores = np.asarray(scores, dtype=np.float64)
    if labels.shape != scores.shape or labels.ndim != 1:
        raise ValueError(f"labels and scores must be 1-D of the same length, got {labels.shape} and {scores.shape}")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores must be finite")
    if labels.sum() == 0 or labels.sum() == labels.size:
        raise ValueError("labels must hold both anomalous and normal points")
    return labels, scores


def point_roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Point-wise ROC-AUC (scikit-learn's; ties count one half)."""
    from sklearn.metrics import roc_auc_score

    labels, scores = _check(labels, scores)
    return float(roc_auc_score(labels, scores))


def _soft_labels(labels: np.ndarray, ranges: list[tuple[int, int]], window: int) -> np.ndarray:
    """TSB-AD's `sequencing`: labels widened by window//2 points each side with weights sqrt(1 - d/window)."""
    soft = labels.astype(np.float64)
    n = labels.size
    half = window // 2
    for start, end in ranges:
        after = np.arange(end + 1, min(end + half + 1, n))
        soft[after] += np.sqrt(1 - (after - end) / window)
        before = np.arange(max(start - half, 0), start)
        soft[before] += np.sqrt(1 - (start - before) / window)
    return np.minimum(soft, 1.0)


def _widened_ranges(ranges: list[tuple[int, int]], window: int, n: int) -> list[tuple[int, int]]:
    """TSB-AD's `new_sequence`: the ranges widened by window//2, merging those that then touch."""
    half = window // 2
    merged: list[tuple[int, int]] = []
    start = max(ranges[0][0] - half, 0)
    for (_, end), (next_start, _) in zip(ranges[:-1], ranges[1:], strict=True):
        if end + half < next_start - half:
            merged.append((start, end + half))
            start = next_start - half
    merged.append((start, min(ranges[-1][1] + half, n - 1)))
    return merged


def vus_curves(
    labels: np.ndarray, scores: np.ndarray, *, buffer: int | None = None, thresholds: int = VUS_THRESHOLDS
) -> tuple[float, float]:
    """(VUS-ROC, VUS-PR): the range ROC and PR areas averaged over buffers 0..`buffer`."""
    labels, scores = _check(labels, scores)
    buffer = VUS_BUFFER_DEFAULT if buffer is None else int(buffer)
    if buffer < 0:
        raise ValueError("buffer must be >= 0")
    n = labels.size
    ranges = label_ranges(labels)
    positives = float(labels.sum())
    ordered = -np.sort(-scores)
    cuts = ordered[np.linspace(0, n - 1, thresholds).astype(int)]
    predicted = scores[None, :] >= cuts[:, None]  # thresholds × n
    predicted_count = predicted.sum(axis=1).astype(np.float64)
    # Prefix sums of the predictions: "is any point of a range predicted" for every threshold at once.
    prefix = np.concatenate([np.zeros((thresholds, 1)), np.cumsum(predicted, axis=1, dtype=np.float64)], axis=1)
    predicted_f = predicted.astype(np.float64)
    original = labels.astype(np.float64)

    roc_areas, pr_areas = [], []
    for window in range(buffer + 1):
        soft = _soft_labels(labels, ranges, window)
        widened = _widened_ranges(ranges, window, n)
        # Inside the widened ranges a buffer point is a positive only where it is predicted; labelled points
        # always are. So TP = predicted · soft, and the positives counted = labelled + predicted buffer weight.
        true_pos = predicted_f @ soft
        buffer_pos = predicted_f @ (soft * (1.0 - original))
        found = np.zeros(thresholds)
        for start, end in widened:
            found += (prefix[:, end + 1] - prefix[:, start]) > 0
        positives_new = (positives + positives + buffer_pos) / 2
        recall = np.minimum(true_pos / positives_new, 1.0)
        tpr = recall * found / len(widened)
        fpr = (predicted_count - true_pos) / (n - positives_new)
        precision = true_pos / predicted_count
        tpr_all = np.concatenate([[0.0], tpr, [1.0]])
        fpr_all = np.concatenate([[0.0], fpr, [1.0]])
        roc_areas.append(float(np.dot(np.diff(fpr_all), (tpr_all[1:] + tpr_all[:-1]) / 2)))
        pr_areas.append(float(np.dot(np.diff(tpr_all[:-1]), precision)))
    return float(np.mean(roc_areas)), float(np.mean(pr_areas))


def vus_pr(labels: np.ndarray, scores: np.ndarray, *, buffer: int | None = None) -> float:
    """Volume under the range precision-recall surface (TSB-AD's headline metric)."""
    return vus_curves(labels, scores, buffer=buffer)[1]


def vus_roc(labels: np.ndarray, scores: np.ndarray, *, buffer: int | None = None) -> float:
    """Volume under the range ROC surface."""
    return vus_curves(labels, scores, buffer=buffer)[0]


def top_peaks(scores: np.ndarray, k: int = 1, *, window: int = 100) -> list[int]:
    """The k highest points, each at least `window` points from the ones before (the discord exclusion zone)."""
    left = np.asarray(scores, dtype=np.float64).copy()
    peaks: list[int] = []
    for _ in range(min(k, left.size)):
        if not np.isfinite(left).any():
            break
        peak = int(np.nanargmax(np.where(np.isfinite(left), left, -np.inf)))
        peaks.append(peak)
        left[max(peak - window, 0) : peak + window + 1] = -np.inf
    return peaks


def top_hit(labels: np.ndarray, scores: np.ndarray, *, k: int = 1, tolerance: int = 100, window: int = 100) -> bool:
    """Whether one of the top-k peaks (see `top_peaks`) lies inside a labelled range widened by `tolerance`
    points on each side (the UCR archive's rule for its single-anomaly series: ±100 points)."""
    labels, scores = _check(labels, scores)
    ranges = label_ranges(labels)
    return any(
        start - tolerance <= peak <= end + tolerance
        for peak in top_peaks(scores, k, window=window)
        for start, end in ranges
    )
