import numpy as np
import pytest

from apps.core.ml.photos import dataset_dir, image_read, synthetic_images
from apps.denoise.ml.noise import noise_add, noise_estimate

STATED_ERROR = 2.0  # noise_estimate's documented accuracy for sigma 5..75 (0-255 scale)


@pytest.fixture
def clean_images() -> list[np.ndarray]:
    folder = dataset_dir("Set12")  # AEWEB_DATA_DIR; synthetic images where it is not set
    if folder is not None:
        return [image_read(folder / name, mode="L") for name in ("01.png", "05.png", "08.png")]
    return synthetic_images(count=3)


@pytest.mark.parametrize("sigma", [5, 15, 25, 50, 75])
def test_noise_estimate_within_stated_error(clean_images, sigma):
    for i, clean in enumerate(clean_images):
        noisy = clean.astype(np.float64) + np.random.default_rng(i).normal(0, sigma, clean.shape)
        assert noise_estimate(noisy, data_range=255) == pytest.approx(sigma, abs=STATED_ERROR)


def test_noise_estimate_scale_colour_and_subsampling_agree(clean_images):
    clean = clean_images[0]
    noisy = clean + np.random.default_rng(3).normal(0, 25, clean.shape)
    full = noise_estimate(noisy, data_range=255)
    assert noise_estimate(noisy / 255.0) == pytest.approx(full, rel=1e-6)  # floats are 0..1
    assert noise_estimate(noisy, data_range=255, max_samples=5_000) == pytest.approx(full, abs=1.5)
    rgb = np.stack([clean] * 3, axis=2) + np.random.default_rng(4).normal(0, 25, (*clean.shape, 3))
    alpha = np.full((*clean.shape, 1), 255.0)
    assert noise_estimate(np.concatenate([rgb, alpha], axis=2), data_range=255) == pytest.approx(25, abs=STATED_ERROR)


def test_noise_add_is_reproducible_and_keeps_dtype():
    clean = np.full((64, 64), 128, dtype=np.uint8)
    a = noise_add(clean, 20, seed=1)
    assert a.dtype == np.uint8 and np.array_equal(a, noise_add(clean, 20, seed=1))
    assert not np.array_equal(a, noise_add(clean, 20, seed=2))
    assert np.std(a.astype(np.float64)) == pytest.approx(20, rel=0.1)
    f = noise_add(clean / 255.0, 20, seed=1, clip=False)
    assert f.dtype == np.float64 and np.std(f * 255) == pytest.approx(20, rel=0.1)
    assert np.array_equal(noise_add(clean, 0, seed=1), clean)
    with pytest.raises(ValueError):
        noise_add(clean, -1)
