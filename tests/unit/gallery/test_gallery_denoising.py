import numpy as np
import pytest
import torch

from apps.gallery.ml.config import DaeConfig
from apps.gallery.ml.denoising import dae_train, denoise_pairs_make, images_denoise
from apps.gallery.ml.images import noise_add, psnr

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
    clean = _blobs(16, seed=9)
    noisy, denoised = denoise_pairs_make(result.model_build(), clean, seed=4)
    assert noisy.shape == denoised.shape == clean.shape and denoised.dtype == np.uint8
    assert psnr(clean, denoised).mean() > psnr(clean, noisy).mean()


def test_pairs_are_seeded_and_use_the_training_noise_level():
    result = dae_train(_blobs(32), DaeConfig(width=4, epochs=1, noise_std=0.25, val_fraction=0.0))
    model = result.model_build()
    clean = _blobs(4, seed=1)
    noisy, denoised = denoise_pairs_make(model, clean, seed=7)
    np.testing.assert_array_equal(noisy, noise_add(clean, 0.25, 7))
    np.testing.assert_array_equal(denoised, images_denoise(model, noisy))
    again, _ = denoise_pairs_make(model, clean, seed=7)
    np.testing.assert_array_equal(again, noisy)
    louder, _ = denoise_pairs_make(model, clean, noise_std=0.6, seed=7)
    assert np.abs(louder.astype(int) - clean).mean() > np.abs(noisy.astype(int) - clean).mean()


def test_callback_can_cancel():
    def stop(entry):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dae_train(_blobs(16), DaeConfig(width=4, epochs=3), on_epoch=stop)
