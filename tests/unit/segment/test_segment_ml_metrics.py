"""Scores, overlays and areas on hand-made label maps."""

from __future__ import annotations

import numpy as np
import pytest

from apps.segment.ml.config import CLASS_COLOURS, CLASSES
from apps.segment.ml.metrics import segmentation_scores
from apps.segment.ml.overlay import class_areas, colours_rgb, mask_rgb, overlay_rgb


def test_scores_by_hand():
    truth = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    pred = np.array([[0, 1, 1, 1], [0, 0, 0, 1]])
    scores = segmentation_scores(pred, truth, ("cell", "membrane"))
    assert scores["pixel_accuracy"] == pytest.approx(6 / 8)
    # cell: hits 3, predicted 4, true 4 → 3 / 5; membrane the same
    assert scores["iou"] == {"cell": pytest.approx(3 / 5), "membrane": pytest.approx(3 / 5)}
    assert scores["miou"] == pytest.approx(3 / 5)


def test_a_class_absent_from_both_has_no_iou_and_is_left_out_of_the_mean():
    truth = np.array([0, 0, 2, 2])
    pred = np.array([0, 0, 2, 0])
    scores = segmentation_scores(pred, truth, ("a", "b", "c"))
    assert scores["iou"]["b"] is None
    assert scores["iou"]["a"] == pytest.approx(2 / 3) and scores["iou"]["c"] == pytest.approx(1 / 2)
    assert scores["miou"] == pytest.approx((2 / 3 + 1 / 2) / 2)
    # predicted but absent from the truth: IoU 0, counted
    assert segmentation_scores(np.array([1, 0]), np.array([0, 0]), ("a", "b"))["iou"]["b"] == 0.0


def test_scores_refuse_mismatched_or_out_of_range_labels():
    with pytest.raises(ValueError):
        segmentation_scores(np.zeros(3, int), np.zeros(4, int), ("a", "b"))
    with pytest.raises(ValueError):
        segmentation_scores(np.array([2]), np.array([0]), ("a", "b"))


def test_colours_are_distinct_and_one_per_class():
    for dataset, classes in CLASSES.items():
        colours = CLASS_COLOURS[dataset]
        assert len(colours) == len(classes) and len(set(c.lower() for c in colours)) == len(colours)
        assert colours[0].lower() == "#404040"  # background / cell: dark grey


def test_mask_overlay_and_areas():
    labels = np.array([[0, 1], [2, 2]], np.uint8)
    colours = ("#000000", "#ff0000", "#00ff80")
    rgb = mask_rgb(labels, colours)
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    assert rgb[0, 1].tolist() == [255, 0, 0] and rgb[1, 0].tolist() == [0, 255, 128]
    grey = np.full((2, 2), 100, np.uint8)
    over = overlay_rgb(grey, labels, colours, alpha=0.5)
    assert over.shape == (2, 2, 3) and over[0, 0].tolist() == [50, 50, 50] and over[0, 1].tolist() == [178, 50, 50]
    assert np.array_equal(overlay_rgb(np.dstack([grey] * 4), labels, colours, alpha=0.0), np.dstack([grey] * 3))
    assert np.array_equal(overlay_rgb(grey, labels, colours, alpha=1.0), rgb)
    assert class_areas(labels, ("a", "b", "c", "d")) == {"a": 0.25, "b": 0.25, "c": 0.5, "d": 0.0}
    assert colours_rgb(["#0a0B0c"]).tolist() == [[10, 11, 12]]
    with pytest.raises(ValueError):
        mask_rgb(np.array([[3]]), colours)
    with pytest.raises(ValueError):
        overlay_rgb(np.zeros((3, 3), np.uint8), labels, colours)
