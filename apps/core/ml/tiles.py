"""Overlapping tiles and their blending weights (NumPy only).

Tiles start on multiples of the net's alignment, so a tile sees the same down-sampling grid as
the whole image would, and only the context near tile edges differs. Each tile's weight ramps
up as sin² across the overlap on every side that has a neighbour (never on the image border),
and the output is the weighted sum divided by the summed weights: a partition of unity, so
overlaps blend without seams.
"""

from __future__ import annotations

import numpy as np


def tile_starts(length: int, tile: int, overlap: int, align: int = 1) -> list[int]:
    """Start offsets covering 0..length with tiles of `tile` (length and tile multiples of align)."""
    if tile >= length:
        return [0]
    stride = max(align, (tile - overlap) // align * align)
    starts = list(range(0, length - tile, stride))
    starts.append(length - tile)
    return sorted(set(starts))


def tile_ramp(length: int, overlap: int, rise: bool, fall: bool) -> np.ndarray:
    """1-D weights: sin² ramps of `overlap` samples at the sides that meet another tile."""
    weight = np.ones(length, dtype=np.float32)
    ramp_len = min(overlap, length // 2)
    if ramp_len > 0:
        ramp = np.sin(0.5 * np.pi * (np.arange(ramp_len) + 0.5) / ramp_len).astype(np.float32) ** 2
        if rise:
            weight[:ramp_len] = ramp
        if fall:
            weight[length - ramp_len :] = ramp[::-1]
    return weight


def tiles_plan(height: int, width: int, tile: int, overlap: int, align: int = 1) -> list[tuple[int, int, np.ndarray]]:
    """(top, left, weight) for every tile of an image of this (aligned) size."""
    tile_h, tile_w = min(tile, height), min(tile, width)
    rows = tile_starts(height, tile_h, overlap, align)
    cols = tile_starts(width, tile_w, overlap, align)
    plan = []
    for top in rows:
        wy = tile_ramp(tile_h, overlap, rise=top > 0, fall=top + tile_h < height)
        for left in cols:
            wx = tile_ramp(tile_w, overlap, rise=left > 0, fall=left + tile_w < width)
            plan.append((top, left, np.outer(wy, wx)))
    return plan
