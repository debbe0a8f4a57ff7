"""Baselines keep the known pixels and fill the hole; the PCA basis round-trips; metrics on hand-made cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from apps.inpaint.ml.baselines import (
    baseline_inpaint,
    baselines_for,
    pca_fill,
    pca_fit,
    pca_load,
    pca_save,
)
from apps.inpaint.ml.masks import mask_make
from apps.inpaint.ml.metrics import inpaint_scores


def _smooth(height: int, width: int, channels: int | None = None) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    base = 60 + 120 * (xx + yy) / (height + width)
    if channels is None:
        return base.astype(np.uint8)
    return np.stack([base + 20 * c for c in range(channels)], axis=2).astype(np.uint8)


@pytest.mark.parametrize("name", ["telea", "navier_stokes", "biharmonic", "mean"])
@pytest.mark.parametrize("channels", [None, 1, 3, 4])
def test_baselines_keep_known_pixels_and_fill_the_hole(name, channels):
    image = _smooth(32, 40, channels)
    if channels == 4:
        image[..., 3] = 77  # alpha passes through
    mask = mask_make("boxes", 32, 40, coverage=0.2, seed=1)
    hole = image.copy()
    if channels == 4:
        hole[mask, :3] = 0
    else:
        hole[mask] = 0
    out = baseline_inpaint(name, hole, mask)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.array_equal(out[~mask], image[~mask])
    if channels == 4:
        assert (out[..., 3] == 77).all()
    # filled from the surroundings, not left black: a smooth ramp is easy for every method but the mean
    error = np.abs(out[mask][..., :3].astype(int) - image[mask][..., :3].astype(int)).mean()
    assert error < (60 if name == "mean" else 8)


def test_pca64_fills_items_from_known_pixels(tmp_path):
    rng = np.random.default_rng(0)
    # items living in a 5-dimensional space: the basis recovers a hidden quarter exactly enough
    basis = rng.normal(size=(5, 784))
    images = np.clip(128 + 20 * rng.normal(size=(300, 5)) @ basis / 10, 0, 255).astype(np.uint8).reshape(-1, 28, 28)
    pca = pca_fit(images[:250], components=8)
    mask = mask_make("centre", 28, 28)
    target = images[260]
    filled = baseline_inpaint("pca64", np.where(mask, 0, target).astype(np.uint8), mask, pca=pca)
    assert np.array_equal(filled[~mask], target[~mask])
    assert np.abs(filled[mask].astype(int) - target[mask].astype(int)).mean() < 4
    path = pca_save(tmp_path / "pca.npz", pca)
    again = pca_load(path)
    assert np.array_equal(again.components, pca.components) and again.shape == (28, 28)
    assert np.allclose(pca_fill(again, target, mask), pca_fill(pca, target, mask))


def test_pca64_needs_a_basis_and_a_28x28_grey_image():
    mask = mask_make("centre", 28, 28)
    with pytest.raises(ValueError):
        baseline_inpaint("pca64", np.zeros((28, 28), np.uint8), mask)
    with pytest.raises(ValueError):
        baseline_inpaint("nope", np.zeros((28, 28), np.uint8), mask)


def test_baselines_for():
    grey = np.zeros((28, 28), np.uint8)
    assert baselines_for(grey, pca_available=True) == ("telea", "navier_stokes", "biharmonic", "pca64")
    assert baselines_for(grey, pca_available=False) == ("telea", "navier_stokes", "biharmonic")
    assert "pca64" not in baselines_for(np.zeros((28, 28, 3), np.uint8), pca_available=True)
    assert "pca64" not in baselines_for(np.zeros((64, 64), np.uint8), pca_available=True)


def test_scores_on_hand_made_cases():
    original = np.full((16, 16), 100, dtype=np.uint8)
    mask = np.zeros((16, 16), dtype=bool)
    mask[:4] = True  # a quarter of the image
    filled = original.copy()
    filled[mask] = 110  # error 10 on the hole only
    scores = inpaint_scores(original, filled, mask)
    assert scores["psnr_masked"] == pytest.approx(10 * math.log10(255**2 / 100))
    assert scores["psnr"] == pytest.approx(10 * math.log10(255**2 / 25))  # MSE 100 over a quarter
    assert 0 < scores["ssim"] < 1
    same = inpaint_scores(original, original, mask)
    assert same["psnr"] == math.inf and same["psnr_masked"] == math.inf and same["ssim"] == pytest.approx(1.0)


def test_scores_ignore_alpha():
    original = np.full((16, 16, 4), 100, dtype=np.uint8)
    filled = original.copy()
    filled[..., 3] = 0
    mask = np.zeros((16, 16), dtype=bool)
    mask[0, 0] = True
    assert inpaint_scores(original, filled, mask)["psnr"] == math.inf
