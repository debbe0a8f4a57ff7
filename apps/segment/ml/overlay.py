"""Colour masks, overlays and class areas from label maps (NumPy); the worker writes PNGs from these."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def colours_rgb(colours: Sequence[str]) -> np.ndarray:
    """K×3 uint8 from "#rrggbb" strings."""
    out = []
    for text in colours:
        value = text.lstrip("#")
        if len(value) != 6:
            raise ValueError(f"colour {text!r} is not #rrggbb")
        out.append([int(value[i : i + 2], 16) for i in (0, 2, 4)])
    return np.asarray(out, dtype=np.uint8)


def mask_rgb(labels: np.ndarray, colours: Sequence[str]) -> np.ndarray:
    """H×W×3 uint8: each pixel its class's colour."""
    palette = colours_rgb(colours)
    labels = np.asarray(labels)
    if labels.size and labels.max() >= len(palette):
        raise ValueError(f"label {int(labels.max())} has no colour (there are {len(palette)})")
    return palette[labels.astype(np.intp)]


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    if image.ndim == 3 and image.shape[2] in (3, 4):
        return image[..., :3]
    raise ValueError(f"expected H×W, H×W×1, H×W×3 or H×W×4, got {image.shape}")


def overlay_rgb(image: np.ndarray, labels: np.ndarray, colours: Sequence[str], alpha: float = 0.5) -> np.ndarray:
    """H×W×3 uint8: the image blended with the class colours (`alpha` = the colours' weight)."""
    base = _rgb(image).astype(np.float32)
    if base.shape[:2] != np.asarray(labels).shape:
        raise ValueError(f"image {base.shape[:2]} and labels {np.asarray(labels).shape} differ in size")
    alpha = float(np.clip(alpha, 0.0, 1.0))
    blended = (1 - alpha) * base + alpha * mask_rgb(labels, colours).astype(np.float32)
    return np.clip(np.rint(blended), 0, 255).astype(np.uint8)


def class_areas(labels: np.ndarray, classes: Sequence[str]) -> dict[str, float]:
    """{class name: fraction of the pixels} for every class (0.0 for those absent)."""
    labels = np.asarray(labels)
    counts = np.bincount(labels.ravel().astype(np.intp), minlength=len(classes))[: len(classes)]
    total = max(1, labels.size)
    return {name: float(counts[i] / total) for i, name in enumerate(classes)}
