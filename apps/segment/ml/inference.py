"""Segment an image of any size with a trained segmenter: overlapping tiles, softmax blended, argmax.

The worker calls `image_segment`; tiles follow apps.core.ml.tiles (aligned to the net's pooling,
sin² weights), so an image larger than the tile is segmented without seams and in bounded memory.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from apps.core.ml.tiles import tiles_plan

TILE_BATCH = 8  # tiles per forward pass
TILE_OVERLAP = 32


def image_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """H×W×channels uint8 from a grey, grey+alpha, RGB or RGBA image (alpha dropped, grey = luma)."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f"expected H×W or H×W×1..4, got {image.shape}")
    if image.shape[2] in (2, 4):
        image = image[..., :-1]
    if image.shape[2] == channels:
        return image
    if channels == 3:
        return np.repeat(image, 3, axis=2)
    luma = image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return np.clip(np.rint(luma), 0, 255).astype(np.uint8)[..., None]


def image_tensor(images: np.ndarray) -> torch.Tensor:
    """N×H×W×C uint8 → N×C×H×W float in [-0.5, 0.5] (the training input scale)."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0).sub_(0.5)


@torch.no_grad()
def image_probabilities(
    model,
    image: np.ndarray,
    *,
    device: str = "cpu",
    tile: int | None = None,
    overlap: int = TILE_OVERLAP,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """classes×H×W float32 class probabilities, blended over overlapping tiles."""
    config = model.config
    pixels = image_channels(image, config.in_channels)
    height, width = pixels.shape[:2]
    tile = tile or config.tile
    plan = tiles_plan(height, width, tile, overlap, config.align)
    classes = len(config.classes)
    total = np.zeros((classes, height, width), dtype=np.float32)
    weights = np.zeros((height, width), dtype=np.float32)
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(plan), TILE_BATCH):
            group = plan[start : start + TILE_BATCH]
            th, tw = group[0][2].shape
            batch = np.stack([pixels[top : top + th, left : left + tw] for top, left, _w in group])
            probs = torch.softmax(model(image_tensor(batch).to(device)), dim=1).float().cpu().numpy()
            for (top, left, weight), prob in zip(group, probs, strict=True):
                total[:, top : top + th, left : left + tw] += prob * weight
                weights[top : top + th, left : left + tw] += weight
            if progress is not None:
                progress(min(1.0, (start + len(group)) / len(plan)))
    finally:
        model.train(was_training)
    return total / np.maximum(weights, 1e-8)


def image_segment(
    model,
    image: np.ndarray,
    *,
    device: str = "cpu",
    progress: Callable[[float], None] | None = None,
    tile: int | None = None,
) -> np.ndarray:
    """H×W uint8 labels (indices into model.config.classes) for a uint8 H×W or H×W×1..4 image of any size."""
    probs = image_probabilities(model, image, device=device, tile=tile, progress=progress)
    return probs.argmax(axis=0).astype(np.uint8)


def images_segment(model, images: np.ndarray, *, device: str = "cpu", tile: int | None = None) -> np.ndarray:
    """N×H×W labels for a stack of images (one forward pass per batch when they fit in one tile)."""
    config = model.config
    images = np.asarray(images)
    tile = tile or config.tile
    if images.shape[1] <= tile and images.shape[2] <= tile:
        pixels = np.stack([image_channels(image, config.in_channels) for image in images])
        out = np.empty(images.shape[:3], dtype=np.uint8)
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                for start in range(0, len(pixels), 32):
                    logits = model(image_tensor(pixels[start : start + 32]).to(device))
                    out[start : start + 32] = logits.argmax(dim=1).cpu().numpy()
        finally:
            model.train(was_training)
        return out
    return np.stack([image_segment(model, image, device=device, tile=tile) for image in images])
