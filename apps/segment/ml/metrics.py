"""Segmentation scores from label maps (NumPy): pixel accuracy, IoU per class, mean IoU.

The training job and the benchmarks score test sets with it; the worker scores one image when its truth is
known (a generated scene, an EM slice).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def confusion(pred: np.ndarray, truth: np.ndarray, classes: int) -> np.ndarray:
    """classes×classes counts: rows the truth, columns the prediction."""
    pred, truth = np.asarray(pred).ravel().astype(np.int64), np.asarray(truth).ravel().astype(np.int64)
    if pred.shape != truth.shape:
        raise ValueError(f"prediction has {pred.size} pixels, truth {truth.size}")
    if pred.size and (min(pred.min(), truth.min()) < 0 or max(pred.max(), truth.max()) >= classes):
        raise ValueError(f"labels must be 0..{classes - 1}")
    return np.bincount(truth * classes + pred, minlength=classes * classes).reshape(classes, classes)


def scores_from_confusion(counts: np.ndarray, classes: Sequence[str]) -> dict:
    """The scores of a confusion matrix (several images' matrices may be summed first)."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    hits = np.diag(counts)
    union = counts.sum(axis=0) + counts.sum(axis=1) - hits
    # A class absent from both prediction and truth has no IoU: counting it as 0 or 1 would bend the mean.
    iou = {name: (float(hits[i] / union[i]) if union[i] > 0 else None) for i, name in enumerate(classes)}
    present = [value for value in iou.values() if value is not None]
    return {
        "pixel_accuracy": float(hits.sum() / total) if total else 0.0,
        "iou": iou,
        "miou": float(np.mean(present)) if present else 0.0,
    }


def segmentation_scores(pred: np.ndarray, truth: np.ndarray, classes: Sequence[str]) -> dict:
    """{"pixel_accuracy", "iou": {class: IoU or None when absent from both}, "miou"} over all pixels given.

    IoU is pooled over every pixel passed (a test set scored at once), the usual protocol; mIoU is the
    mean over the classes that occur in the prediction or the truth.
    """
    return scores_from_confusion(confusion(pred, truth, len(classes)), classes)
