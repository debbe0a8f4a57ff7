"""The 28×28 demo autoencoder (moved from the gallery): it learns, its pairs are seeded, it can be stopped."""

import numpy as np
import pytest
import torch

from apps.core.ml.image_metrics import psnr, psnr_per_image
from apps.denoise.ml.config import DaeConfig
from apps.denoise.ml.dae import dae_train, denoise_pairs_make, images_denoise, images_noisy

torch.set_num_threads(1)


def _blobs(count: int, seed: int = 0) -> np.ndarray:
    """Smooth bright discs on black: structure a denoiser can learn in a few epochs."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:28, :28]
    out = np.zeros((count, 28, 28), np.uint8)
    for i in range(count):
        cy, cx, r = rng.uniform(8, 20), rng.uniform(8, 20), rng.uniform(4, 8)
        out[i] = np.where((yy - cy) ** 2 + (xx - cx) ** 2 < r**2, 220, 0)
    return out


def test_denoiser_learns_to_beat_the_noisy_input():
    config = DaeConfig(width=8, epochs=6, batch_size=16, lr=3e-3, noise_std=0.4, val_fraction=0.1)
    seen = []
    result = dae_train(_blobs(320), config, on_epoch=seen.append)
    assert [e["epoch"] for e in seen] == list(range(1, 7))
    assert seen[-1]["loss"] < seen[0]["loss"]
    assert result.metrics["val_psnr"] > result.metrics["val_psnr_noisy"] + 3.0
    assert result.metrics["train_images"] == 288 and result.metrics["epochs_run"] == 6
    clean = _blobs(16, seed=9)
    noisy, denoised = denoise_pairs_make(result.model_build(), clean, seed=4)
    assert noisy.shape == denoised.shape == clean.shape and denoised.dtype == np.uint8
    assert psnr_per_image(clean, denoised).mean() > psnr_per_image(clean, noisy).mean()


def test_pairs_are_seeded_and_use_the_training_noise_level():
    result = dae_train(_blobs(32), DaeConfig(width=4, epochs=1, noise_std=0.25, val_fraction=0.0))
    model = result.model_build()
    clean = _blobs(4, seed=1)
    noisy, denoised = denoise_pairs_make(model, clean, seed=7)
    np.testing.assert_array_equal(noisy, images_noisy(clean, 0.25, 7))
    np.testing.assert_array_equal(denoised, images_denoise(model, noisy))
    again, _ = denoise_pairs_make(model, clean, seed=7)
    np.testing.assert_array_equal(again, noisy)
    louder, _ = denoise_pairs_make(model, clean, noise_std=0.6, seed=7)
    assert np.abs(louder.astype(int) - clean).mean() > np.abs(noisy.astype(int) - clean).mean()


def test_noise_std_is_on_unit_intensities():
    flat = np.full((200, 28, 28), 128, np.uint8)
    noisy = images_noisy(flat, 0.1, seed=0).astype(float)
    assert noisy.std() == pytest.approx(25.5, rel=0.02)  # 0.1 of the range 0..255
    assert noisy.mean() == pytest.approx(128, abs=0.5)


def test_callback_can_cancel():
    def stop(entry):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dae_train(_blobs(16), DaeConfig(width=4, epochs=3), on_epoch=stop)


def test_wrong_image_shapes_are_refused():
    model = dae_train(_blobs(16), DaeConfig(width=4, epochs=1, val_fraction=0.0)).model_build()
    with pytest.raises(ValueError, match="28×28"):
        images_denoise(model, np.zeros((2, 32, 32), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        images_denoise(model, np.zeros((2, 28, 28), np.float32))


def test_psnr_per_image_is_psnr_of_each_image_not_of_the_batch():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    b = a.copy()
    b[0] = np.clip(a[0].astype(int) + 10, 0, 255)
    b[1] = np.clip(a[1].astype(int) - 40, 0, 255)
    each = psnr_per_image(a, b)
    assert each.tolist() == [psnr(a[i], b[i]) for i in range(3)]
    assert each[2] == np.inf  # identical pair
    mse = ((a[:2].astype(float) - b[:2]) ** 2).reshape(2, -1).mean(axis=1)
    np.testing.assert_allclose(each[:2], 10 * np.log10(255.0**2 / mse))
    # The demo reports the mean of these, which a whole-batch PSNR is not.
    assert each[:2].mean() != pytest.approx(psnr(a[:2], b[:2]))
    with pytest.raises(ValueError):
        psnr_per_image(a, b[:2])
