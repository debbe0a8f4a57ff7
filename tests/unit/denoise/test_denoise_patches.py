"""The on-device patch sampler: shapes, ranges, seeds, exact dihedral transforms, noise levels."""

import numpy as np
import pytest
import torch

from apps.denoise.ml.patches import DevicePatchSampler, NumpyPatchSampler, dihedral_grids

torch.set_num_threads(1)


def _images(sizes=((40, 40), (30, 52), (24, 24)), channels=1, seed=0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.random((h, w, channels), dtype=np.float32) for h, w in sizes]


@pytest.mark.parametrize("channels", [1, 3])
def test_batch_shapes_ranges_and_dtype(channels):
    sampler = DevicePatchSampler(_images(channels=channels), 16, seed=1)
    clean, noisy, sigma = sampler.batch(37, 0.05, 0.2)
    assert clean.shape == noisy.shape == (37, channels, 16, 16)
    assert sigma.shape == (37,)
    assert clean.dtype == noisy.dtype == sigma.dtype == torch.float32
    assert 0.0 <= float(clean.min()) and float(clean.max()) <= 1.0
    assert 0.05 <= float(sigma.min()) and float(sigma.max()) <= 0.2
    assert not torch.equal(clean, noisy)


def test_same_seed_same_batches_other_seed_other_batches():
    a, b, c = (DevicePatchSampler(_images(), 16, seed=s) for s in (7, 7, 8))
    for _ in range(3):
        batch_a, batch_b, batch_c = a.batch(8, 0.0, 0.3), b.batch(8, 0.0, 0.3), c.batch(8, 0.0, 0.3)
        assert all(torch.equal(x, y) for x, y in zip(batch_a, batch_b, strict=True))
        assert not torch.equal(batch_a[0], batch_c[0])


def test_dihedral_grids_are_the_eight_numpy_transforms():
    p = 5
    source = np.arange(p * p).reshape(p, p)
    rows, cols = dihedral_grids(p)
    expected = [np.rot90(source, k)[:, ::-1] if mirror else np.rot90(source, k) for k in range(4) for mirror in (0, 1)]
    seen = set()
    for t in range(8):
        moved = source[rows[t].numpy(), cols[t].numpy()]
        np.testing.assert_array_equal(moved, expected[t])
        assert sorted(moved.ravel()) == list(range(p * p))  # a permutation: every pixel once
        seen.add(moved.tobytes())
    assert len(seen) == 8


@pytest.mark.parametrize("channels", [1, 3])
def test_each_patch_is_exactly_a_transformed_crop_of_its_image(channels):
    images = _images(channels=channels)
    sampler = DevicePatchSampler(images, 16, seed=3)
    draws = sampler.indices(64)
    draws["transform"] = torch.arange(64) % 8  # every transform, whatever the draw
    patches = sampler.gather(draws).numpy()
    for n in range(64):
        image, top, left, t = (int(draws[key][n]) for key in ("image", "top", "left", "transform"))
        crop = np.rot90(images[image][top : top + 16, left : left + 16], t // 2)
        if t % 2:
            crop = crop[:, ::-1]
        np.testing.assert_array_equal(patches[n], crop.transpose(2, 0, 1))


def test_every_position_is_reachable_and_none_beyond():
    sampler = DevicePatchSampler(_images(sizes=((18, 19),)), 16, seed=0)
    draws = sampler.indices(4000)
    assert set(draws["top"].tolist()) == {0, 1, 2}
    assert set(draws["left"].tolist()) == {0, 1, 2, 3}
    assert set(draws["transform"].tolist()) == set(range(8))


def test_images_are_drawn_in_proportion_to_their_positions():
    # 25×25 positions against 1×1: the small image should get about 1 patch in 626
    sampler = DevicePatchSampler(_images(sizes=((40, 40), (16, 16))), 16, seed=0)
    share = float((sampler.indices(100_000)["image"] == 1).float().mean())
    assert 0.5 / 626 < share < 2.0 / 626


def test_noise_has_each_patch_s_own_sigma():
    sampler = DevicePatchSampler(_images(sizes=((64, 64),)), 32, seed=5)
    clean, noisy, sigma = sampler.batch(256, 0.0, 75 / 255)
    measured = (noisy - clean).flatten(1).std(dim=1)
    assert torch.allclose(measured, sigma, rtol=0.12, atol=0.004)
    assert float(sigma.min()) < 0.05 and float(sigma.max()) > 0.25  # the whole range is used


def test_fixed_sigma_when_the_range_is_a_point():
    clean, noisy, sigma = DevicePatchSampler(_images(), 16, seed=0).batch(4, 0.1, 0.1)
    assert torch.all(sigma == 0.1)


def test_sampler_refuses_small_or_mixed_images():
    with pytest.raises(ValueError, match="16×16"):
        DevicePatchSampler(_images(sizes=((40, 40), (15, 40))), 16)
    with pytest.raises(ValueError, match="same C"):
        DevicePatchSampler(_images(channels=1) + _images(channels=3), 16)


def test_numpy_sampler_kept_for_the_benchmark_draws_transformed_crops():
    images = _images(sizes=((16, 16),))
    out = NumpyPatchSampler(images, 16, np.random.default_rng(0)).sample(16)
    crop = images[0][..., 0]
    options = [np.rot90(crop, k)[:, ::-1] if m else np.rot90(crop, k) for k in range(4) for m in (0, 1)]
    assert out.shape == (16, 1, 16, 16)
    assert all(any(np.array_equal(p[0], o) for o in options) for p in out)
