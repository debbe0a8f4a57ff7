import math

import numpy as np
import pytest

from apps.gallery.ml.images import images_tile, noise_add, probabilities_to_uint8, psnr


def test_probabilities_round_to_grey_levels():
    got = probabilities_to_uint8(np.array([0.0, 1.0, 0.5, 1.5 / 255, -0.2, 1.3]))
    assert got.tolist() == [0, 255, 128, 2, 0, 255]
    assert got.dtype == np.uint8


def test_tile_layout_row_by_row():
    tiles = np.arange(5, dtype=np.uint8)[:, None, None] * np.ones((5, 2, 3), np.uint8)
    big = images_tile(tiles, 2, 3, pad=1, fill=99)
    assert big.shape == (2 * 2 + 1, 3 * 3 + 2)
    assert (big[0:2, 4:7] == 1).all() and (big[3:5, 0:3] == 3).all() and (big[3:5, 4:7] == 4).all()
    assert (big[2] == 99).all() and (big[3:5, 8:11] == 99).all()  # padding row; empty last cell
    with pytest.raises(ValueError, match="fit"):
        images_tile(tiles, 2, 2)


def test_psnr_by_hand():
    a = np.zeros((2, 4, 4), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 16  # mse = 256 / 16 = 16
    b[1] = 255
    got = psnr(a, b)
    assert got[0] == pytest.approx(10 * math.log10(255**2 / 16))
    assert got[1] == pytest.approx(0.0)


def test_noise_is_seeded_and_of_the_right_size():
    clean = np.full((20, 28, 28), 128, np.uint8)
    noisy = noise_add(clean, 0.1, seed=3)
    np.testing.assert_array_equal(noise_add(clean, 0.1, seed=3), noisy)
    assert not np.array_equal(noise_add(clean, 0.1, seed=4), noisy)
    assert np.std(noisy / 255.0) == pytest.approx(0.1, rel=0.05)
