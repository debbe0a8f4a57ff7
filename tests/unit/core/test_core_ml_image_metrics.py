import math

import numpy as np
import pytest

from apps.core.ml.image_metrics import psnr, ssim


def test_psnr_matches_hand_computed_values():
    a = np.full((8, 8), 100, dtype=np.uint8)
    b = a.astype(np.float64) + 5.0  # MSE = 25
    assert psnr(a, b) == pytest.approx(10 * math.log10(255**2 / 25))
    half = a.astype(np.float64).copy()
    half[:4] += 10.0  # half the pixels off by 10: MSE = 50
    assert psnr(a, half) == pytest.approx(10 * math.log10(255**2 / 50))
    assert psnr(a / 255.0, b / 255.0, data_range=1.0) == pytest.approx(psnr(a, b))


def test_psnr_identical_is_infinite_and_shapes_must_match():
    a = np.arange(64, dtype=np.float64).reshape(8, 8)
    assert psnr(a, a) == math.inf
    with pytest.raises(ValueError, match="shape"):
        psnr(a, a[:4])


def test_ssim_of_constant_images_matches_formula():
    # constant images have no variance: SSIM reduces to the luminance term
    c1, c2 = (0.01 * 255) ** 2, 0.0
    x, y = 90.0, 140.0
    expected = (2 * x * y + c1) / (x * x + y * y + c1)
    got = ssim(np.full((20, 20), x), np.full((20, 20), y))
    assert got == pytest.approx(expected, rel=1e-9)
    assert c2 == 0.0


def test_ssim_identical_is_one_and_drops_with_noise():
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 255, (40, 40))
    assert ssim(a, a) == pytest.approx(1.0)
    slightly = ssim(a, a + rng.normal(0, 5, a.shape))
    badly = ssim(a, a + rng.normal(0, 50, a.shape))
    assert 1.0 > slightly > badly


def test_ssim_colour_is_mean_of_channels():
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 255, (24, 24, 3))
    b = a + rng.normal(0, 20, a.shape)
    per_channel = [ssim(a[..., c], b[..., c]) for c in range(3)]
    assert ssim(a, b) == pytest.approx(np.mean(per_channel))


def test_ssim_refuses_images_smaller_than_window():
    with pytest.raises(ValueError, match="at least 11"):
        ssim(np.zeros((10, 30)), np.zeros((10, 30)))


@pytest.mark.parametrize("shape", [(64, 48), (33, 57, 3)])
def test_ssim_and_psnr_match_scikit_image(shape):
    metrics = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(2)
    clean = rng.integers(0, 256, shape).astype(np.uint8)
    clean = (clean.astype(np.float64) * 0.5 + np.roll(clean, 3, axis=0) * 0.5).astype(np.uint8)  # some structure
    noisy = np.clip(clean + rng.normal(0, 20, shape), 0, 255)
    ref = metrics.structural_similarity(
        clean.astype(np.float64), noisy, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
        data_range=255, channel_axis=2 if len(shape) == 3 else None,
    )
    assert ssim(clean, noisy) == pytest.approx(ref, abs=1e-9)
    assert psnr(clean, noisy) == pytest.approx(metrics.peak_signal_noise_ratio(clean.astype(np.float64), noisy,
                                                                               data_range=255))
