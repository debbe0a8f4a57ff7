"""The one-class protocol on labelled image sets (Ruff et al., 2018): one class is normal, the others anomalies.

For each class: fit a fresh detector on the TRAINING images of that class only, score ALL test images,
and take the ROC-AUC with the other classes' test images as the positives (anomalies). Detectors and
baselines alike: anything with fit(images) and score_samples(images), higher = more anomalous.

No torch here (the detectors bring their own); scikit-learn for the AUC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


def oneclass_split(
    normal: int, train_images: np.ndarray, train_labels: np.ndarray, test_labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(the training images of class `normal`, the test targets: 1 = anomaly, i.e. any other class)."""
    train_labels, test_labels = np.asarray(train_labels), np.asarray(test_labels)
    normal_images = np.asarray(train_images)[train_labels == normal]
    if normal_images.shape[0] == 0:
        raise ValueError(f"classes: no training image of class {normal}")
    return normal_images, (test_labels != normal).astype(np.int8)


def oneclass_class_auc(
    detector: Any, normal: int, train_images, train_labels, test_images, test_labels
) -> tuple[float, np.ndarray]:
    """Fit `detector` on class `normal`'s training images; (ROC-AUC on all test images, the test scores)."""
    from sklearn.metrics import roc_auc_score

    normal_images, targets = oneclass_split(normal, train_images, train_labels, test_labels)
    scores = np.asarray(detector.fit(normal_images).score_samples(test_images), dtype=np.float64)
    if not np.all(np.isfinite(scores)):
        raise FloatingPointError(f"class {normal}: the detector gave non-finite scores")
    if targets.min() == targets.max():
        raise ValueError("test labels: need images of the normal class and of at least one other")
    return float(roc_auc_score(targets, scores)), scores


def oneclass_auc(
    detector_factory: Callable[[int], Any],
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    classes: Iterable[int] = range(10),
    on_class: Callable[[int, float, Any], None] | None = None,
) -> dict[int, float]:
    """Per-class ROC-AUC (0..1) of the detectors `detector_factory(normal_class)` builds, fitted one class at a time.

    `on_class(normal_class, auc, fitted_detector)` runs after each class (progress, saving the detector)."""
    aucs: dict[int, float] = {}
    for normal in classes:
        detector = detector_factory(int(normal))
        auc, _ = oneclass_class_auc(detector, int(normal), train_images, train_labels, test_images, test_labels)
        aucs[int(normal)] = auc
        if on_class is not None:
            on_class(int(normal), auc, detector)
    return aucs


def auc_mean(aucs: dict[int, float]) -> float:
    return float(np.mean(list(aucs.values()))) if aucs else float("nan")
