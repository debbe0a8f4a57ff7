"""Fashionopolis scenes and the ISBI EM reader (a tiny fixture written here)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from apps.segment.ml.config import CLASSES, SCENE_SIZE
from apps.segment.ml.isbi import isbi_dir, isbi_indices, isbi_load
from apps.segment.ml.scenes import scene_make, scenes_make, textures_load


def fake_items(count: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bright filled discs on black, like Fashion-MNIST items (labels cycling 0..9)."""
    yy, xx = np.mgrid[:28, :28]
    disc = ((yy - 13.5) ** 2 + (xx - 13.5) ** 2 < 10**2).astype(np.uint8) * 200
    rng = np.random.default_rng(seed)
    items = np.stack([np.where(disc > 0, disc + rng.integers(0, 50, disc.shape), 0) for _ in range(count)])
    return items.astype(np.uint8), np.arange(count) % 10


def test_scene_is_deterministic_per_seed_and_differs_between_seeds():
    items, labels = fake_items()
    image, mask = scene_make(7, items, labels)
    again_image, again_mask = scene_make(7, items, labels)
    other_image, _ = scene_make(8, items, labels)
    assert image.shape == (SCENE_SIZE, SCENE_SIZE, 3) and image.dtype == np.uint8
    assert mask.shape == (SCENE_SIZE, SCENE_SIZE) and mask.dtype == np.uint8
    assert np.array_equal(image, again_image) and np.array_equal(mask, again_mask)
    assert not np.array_equal(image, other_image)


def test_mask_matches_the_items_placed():
    items, labels = fake_items(1)  # one item, label 0: every item pixel is class 1
    for seed in range(5):
        image, mask = scene_make(seed, items, labels, size=64)
        assert set(np.unique(mask)) == {0, 1}
        # a disc of radius 10 (×1..2.5 scale, ×0.5 for a 64 scene) clipped at the threshold: 2..5 copies
        area = (mask == 1).sum()
        assert 2 * np.pi * 4.5**2 * 0.8 < area < 5 * np.pi * 12.5**2 * 1.2
    # The mask is exactly where the items changed the image: the same seed with empty items (nothing above
    # the threshold) draws the same background, and differs from the scene only under the mask.
    square = np.zeros((2, 28, 28), np.uint8)
    square[:, 4:24, 4:24] = 255
    for seed in range(3):
        image, mask = scene_make(seed, square, np.array([4, 4]))
        empty_image, empty_mask = scene_make(seed, np.zeros_like(square), np.array([4, 4]))
        assert not empty_mask.any() and set(np.unique(mask)) == {0, 5}
        assert np.array_equal(image[mask == 0], empty_image[mask == 0])
        changed = np.abs(image.astype(int) - empty_image.astype(int)).max(axis=2) > 0
        assert changed[mask > 0].mean() > 0.9


def test_scene_classes_in_range_on_real_labels_and_sets_differ_by_seed():
    items, labels = fake_items(30)
    images, masks = scenes_make(6, 1, items, labels, size=48)
    assert images.shape == (6, 48, 48, 3) and masks.shape == (6, 48, 48)
    assert masks.max() < len(CLASSES["fashionopolis"]) and (masks > 0).any() and (masks == 0).any()
    again, _ = scenes_make(6, 1, items, labels, size=48)
    other, _ = scenes_make(6, 2, items, labels, size=48)
    assert np.array_equal(images, again) and not np.array_equal(images, other)


def test_scene_refuses_bad_items_and_textures_are_bundled():
    with pytest.raises(ValueError):
        scene_make(0, np.zeros((0, 28, 28), np.uint8), np.zeros(0, int))
    textures = textures_load()
    assert {"brick", "grass", "gravel"} <= set(textures)
    assert all(t.dtype == np.uint8 and t.ndim == 2 for t in textures.values())


def write_slice(folder, index: int, image: np.ndarray, label: np.ndarray) -> None:
    Image.fromarray(image).save(folder / "image" / f"{index}.png")
    Image.fromarray(label).save(folder / "label" / f"{index}.png")


def test_isbi_reader_on_a_tiny_fixture(tmp_path):
    assert isbi_dir(tmp_path) is None and isbi_dir(None) is None
    folder = tmp_path / "isbi-em"
    (folder / "image").mkdir(parents=True)
    (folder / "label").mkdir()
    rng = np.random.default_rng(0)
    labels = []
    for index in (0, 1, 2, 10):
        label = np.where(rng.random((8, 12)) < 0.3, 0, 255).astype(np.uint8)  # black = membrane
        write_slice(folder, index, rng.integers(0, 256, (8, 12), dtype=np.uint8), label)
        labels.append(label)
    assert isbi_dir(tmp_path) == folder
    assert isbi_indices(folder) == [0, 1, 2, 10]  # numeric order, not 0, 1, 10, 2
    images, masks = isbi_load(folder)
    assert images.shape == (4, 8, 12) and masks.shape == (4, 8, 12) and masks.dtype == np.uint8
    assert np.array_equal(masks[3], (labels[3] == 0).astype(np.uint8))
    images, masks = isbi_load(folder, [2, 0])
    assert np.array_equal(masks[1], (labels[0] == 0).astype(np.uint8))
    with pytest.raises(FileNotFoundError, match="slice 5"):
        isbi_load(folder, [5])
