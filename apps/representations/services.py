"""Writes for the representations app: the test images' sprite sheet under MEDIA_ROOT.

Training goes through the platform (`apps.core.services.training_job_start`); decoding and
encoding store nothing (serving.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image

from apps.core.ml.files import atomic_write
from apps.core.ml.image_datasets import DatasetNotFoundError, dataset_load

SPRITE_COLUMNS = 100
SPRITE_TILE = 28


@dataclass(frozen=True)
class SpriteSheet:
    """All test images of a data set in one PNG: image i at column i % columns, row i // columns."""

    url: str
    columns: int
    tile: int
    count: int

    def as_json(self) -> dict:
        return {"url": self.url, "columns": self.columns, "tile": self.tile, "count": self.count}


def _sprite_relpath(dataset: str) -> str:
    return f"representations/sprites/{dataset}-test-{SPRITE_COLUMNS}x{SPRITE_TILE}.png"


def sprite_sheet_ensure(*, dataset: str) -> SpriteSheet | None:
    """The data set's test images as one sprite sheet, made once with Pillow (a second call finds the
    file); None when the data set is not on this machine (nothing is downloaded)."""
    relpath = _sprite_relpath(dataset)
    path = Path(settings.MEDIA_ROOT) / relpath
    url = settings.MEDIA_URL + relpath
    if path.exists():
        with Image.open(path) as im:
            rows = im.size[1] // SPRITE_TILE
        return SpriteSheet(url=url, columns=SPRITE_COLUMNS, tile=SPRITE_TILE, count=rows * SPRITE_COLUMNS)
    try:
        images, _labels = dataset_load(dataset, "test", download=False, progress=False)
    except DatasetNotFoundError:
        return None
    atomic_write(path, sprite_png(images))
    return SpriteSheet(url=url, columns=SPRITE_COLUMNS, tile=SPRITE_TILE, count=len(images))


def sprite_png(images: np.ndarray, *, columns: int = SPRITE_COLUMNS) -> bytes:
    """N×28×28 uint8 images as one grey PNG, `columns` tiles wide, no gaps."""
    count, tile = len(images), images.shape[1]
    rows = max(1, -(-count // columns))
    sheet = np.zeros((rows * tile, columns * tile), dtype=np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        sheet[r * tile : (r + 1) * tile, c * tile : (c + 1) * tile] = image
    buffer = io.BytesIO()
    Image.fromarray(sheet).save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
