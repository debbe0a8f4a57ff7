"""Masks: the four kinds, their coverage, determinism, reading a painted PNG, and why a mask is refused."""

from __future__ import annotations

import numpy as np
import pytest

from apps.inpaint.ml.config import COVERAGE_MAX, MASK_KINDS
from apps.inpaint.ml.masks import mask_coverage, mask_from_image, mask_make, mask_problem


def test_centre_is_the_half_side_square_by_default():
    mask = mask_make("centre", 28, 28)
    assert mask.dtype == bool and mask.sum() == 14 * 14
    rows, cols = np.nonzero(mask)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (7, 20, 7, 20)


def test_centre_with_coverage_is_a_centred_square_of_that_area():
    mask = mask_make("centre", 100, 100, coverage=0.36)
    assert mask.sum() == 60 * 60
    rows, cols = np.nonzero(mask)
    assert rows.min() == 20 and cols.min() == 20


@pytest.mark.parametrize("kind", ["boxes", "pixels", "freeform"])
@pytest.mark.parametrize("coverage", [0.1, 0.25, 0.4, COVERAGE_MAX])
def test_random_kinds_reach_their_coverage(kind, coverage):
    mask = mask_make(kind, 128, 160, coverage=coverage, seed=3)
    assert mask.shape == (128, 160) and mask.dtype == bool
    tolerance = 0.03 if kind == "pixels" else 0.05
    assert abs(mask_coverage(mask) - coverage) <= tolerance


@pytest.mark.parametrize("kind", MASK_KINDS)
def test_same_seed_same_mask_other_seed_other_mask(kind):
    a = mask_make(kind, 64, 64, seed=5)
    assert np.array_equal(a, mask_make(kind, 64, 64, seed=5))
    if kind != "centre":
        assert not np.array_equal(a, mask_make(kind, 64, 64, seed=6))


def test_default_coverages():
    assert abs(mask_coverage(mask_make("pixels", 200, 200)) - 0.5) < 0.02
    assert abs(mask_coverage(mask_make("freeform", 200, 200)) - 0.25) < 0.05
    assert abs(mask_coverage(mask_make("boxes", 200, 200)) - 0.25) < 0.05


@pytest.mark.parametrize(("kind", "coverage"), [("blobs", None), ("boxes", 0.0), ("pixels", 0.7), ("freeform", -1)])
def test_bad_kind_or_coverage_is_refused(kind, coverage):
    with pytest.raises(ValueError):
        mask_make(kind, 28, 28, coverage=coverage)


def test_mask_from_image_grey_rgb_and_alpha():
    grey = np.array([[0, 127], [128, 255]], dtype=np.uint8)
    assert mask_from_image(grey).tolist() == [[False, False], [True, True]]
    rgb = np.zeros((2, 2, 3), dtype=np.uint8)
    rgb[0, 0] = (200, 0, 0)  # bright in one channel is enough
    rgb[1, 1] = (100, 100, 100)
    assert mask_from_image(rgb).tolist() == [[True, False], [False, False]]
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[..., :3] = 255
    rgba[0, :, 3] = 255  # painted, opaque
    rgba[1, 0, 3] = 0  # white but transparent: not painted
    rgba[1, 1, 3] = 1
    assert mask_from_image(rgba).tolist() == [[True, True], [False, True]]


def test_mask_problem_messages():
    ok = np.zeros((28, 28), dtype=bool)
    ok[3, 4] = True
    assert mask_problem(ok, 28, 28) is None
    assert mask_problem(np.ones((20, 30), dtype=bool), 28, 28) == "the mask is 30×20 but the image is 28×28"
    assert mask_problem(np.zeros((28, 28), dtype=bool), 28, 28) == "the mask is empty: paint the region to fill"
    assert (
        mask_problem(np.ones((28, 28), dtype=bool), 28, 28)
        == "the mask covers the whole image: nothing is left to fill from"
    )
