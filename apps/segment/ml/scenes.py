"""Fashionopolis: Fashion-MNIST items placed on textured backgrounds, with a per-pixel class mask.

NumPy + scikit-image only: the web process calls `scene_make` to show sample scenes. A scene is a
deterministic function of its seed (and the item arrays it is given): a crop of one of scikit-image's
bundled textures (brick, grass, gravel, …; in the wheel, nothing downloaded), zoomed and tinted, with
2–5 items scaled 1–2.5×, tinted, mirrored at random and placed anywhere (overlapping: later on top).
An item covers the pixels where its grey level is above ITEM_THRESHOLD; those pixels get its colour and
its class in the mask (1 + the Fashion-MNIST label; 0 is background), so the image and the mask agree
exactly. Train scenes use Fashion-MNIST training items and test scenes test items, so no item is seen
on both sides.
"""

from __future__ import annotations

import functools

import numpy as np
from skimage import data as skdata
from skimage.transform import resize

from .config import SCENE_SIZE

TEXTURES = ("brick", "grass", "gravel", "moon", "camera")  # bundled grey 512×512 images with texture
ITEM_THRESHOLD = 24  # grey level (0..255, after scaling) above which an item pixel belongs to the item
ITEMS_MIN, ITEMS_MAX = 2, 5
SCALE_MIN, SCALE_MAX = 1.0, 2.5


@functools.cache
def _textures() -> dict[str, np.ndarray]:
    return {name: np.ascontiguousarray(getattr(skdata, name)(), dtype=np.uint8) for name in TEXTURES}


def textures_load() -> dict[str, np.ndarray]:
    """{name: grey uint8 texture}, loaded once per process (copies: callers may change them)."""
    return {name: image.copy() for name, image in _textures().items()}


def _tint(rng: np.random.Generator, low: float, high: float) -> np.ndarray:
    """An RGB colour of random hue with saturation and value in a range (floats 0..1)."""
    hue, sat, val = rng.uniform(0, 1), rng.uniform(low, high), rng.uniform(0.55, 1.0)
    k = (np.array([5.0, 3.0, 1.0]) + hue * 6) % 6
    return val * (1 - sat * np.clip(np.minimum(k, 4 - k), 0, 1))


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    textures = _textures()
    texture = textures[TEXTURES[rng.integers(len(TEXTURES))]]
    side = int(rng.integers(size // 2, texture.shape[0] + 1))  # zoom in 4x .. out 4x on a 128 scene
    top, left = rng.integers(0, texture.shape[0] - side + 1), rng.integers(0, texture.shape[1] - side + 1)
    crop = texture[top : top + side, left : left + side].astype(np.float32) / 255.0
    grey = resize(crop, (size, size), order=1, anti_aliasing=side > size, preserve_range=True)
    contrast, brightness = rng.uniform(0.5, 1.1), rng.uniform(-0.2, 0.2)
    grey = np.clip((grey - grey.mean()) * contrast + 0.5 + brightness, 0, 1)
    return grey[..., None] * _tint(rng, 0.0, 0.6)[None, None, :] + rng.uniform(0, 0.15, 3)[None, None, :]


def scene_make(
    seed: int, items: np.ndarray, labels: np.ndarray, *, size: int = SCENE_SIZE
) -> tuple[np.ndarray, np.ndarray]:
    """(image uint8 size×size×3, mask uint8 size×size: 0 background, 1 + label per item pixel), from `seed`.

    `items` N×28×28 uint8 Fashion-MNIST images (bright item on black), `labels` their classes 0..9.
    """
    items, labels = np.asarray(items), np.asarray(labels)
    if items.ndim != 3 or len(items) != len(labels) or len(items) == 0:
        raise ValueError("items must be N×H×W with one label each (N ≥ 1)")
    if size < 32:
        raise ValueError("size must be at least 32")
    rng = np.random.default_rng(seed)
    image = _background(rng, size)
    mask = np.zeros((size, size), dtype=np.uint8)
    for _ in range(int(rng.integers(ITEMS_MIN, ITEMS_MAX + 1))):
        index = int(rng.integers(len(items)))
        side = int(round(items.shape[1] * rng.uniform(SCALE_MIN, SCALE_MAX) * size / SCENE_SIZE))
        side = max(8, min(side, size))
        grey = resize(items[index].astype(np.float32), (side, side), order=1, preserve_range=True)
        if rng.random() < 0.5:
            grey = grey[:, ::-1]
        inside = grey > ITEM_THRESHOLD
        top, left = int(rng.integers(0, size - side + 1)), int(rng.integers(0, size - side + 1))
        # the item's own shading kept (folds, prints) under a colour of its own
        shade = (0.35 + 0.65 * grey / 255.0)[..., None] * _tint(rng, 0.2, 1.0)[None, None, :]
        window = image[top : top + side, left : left + side]
        window[inside] = shade[inside]
        mask[top : top + side, left : left + side][inside] = 1 + int(labels[index])
    noise = rng.normal(0, rng.uniform(0, 0.03), image.shape)
    return np.clip(np.rint((image + noise) * 255), 0, 255).astype(np.uint8), mask


def scene_seeds(count: int, seed: int) -> np.ndarray:
    """The scene seeds of a set: distinct sets for distinct `seed`s (SeedSequence-derived)."""
    return np.random.default_rng(np.random.SeedSequence([seed, 0x5CE2E])).integers(0, 2**62, size=count)


def scenes_make(count: int, seed: int, items: np.ndarray, labels: np.ndarray, *, size: int = SCENE_SIZE):
    """(count×size×size×3 uint8 images, count×size×size uint8 masks): scene i is scene_make(scene_seeds[i])."""
    images = np.empty((count, size, size, 3), dtype=np.uint8)
    masks = np.empty((count, size, size), dtype=np.uint8)
    for i, scene_seed in enumerate(scene_seeds(count, seed)):
        images[i], masks[i] = scene_make(int(scene_seed), items, labels, size=size)
    return images, masks
