"""The page's samples, made in the web process (NumPy, Pillow, scikit-image; no torch).

Fashionopolis scenes: Fashion-MNIST TEST items (no model trained on them) on scikit-image's textures,
generated from a seed by the ml package's `scene_make`, with their true class mask. EM slices: the ISBI
2012 slices and their labels, read where they lie (AEWEB_DATA_DIR) and never copied elsewhere.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from django.conf import settings
from PIL import Image

from apps.core.errors import Conflict
from apps.core.image_files import png_bytes
from apps.segment.ml.isbi import ISBI_TEST, isbi_dir, isbi_indices, isbi_load
from apps.segment.slots import SCENE_ITEMS_SPLIT, train_command

THUMB_SIDE = 160  # EM slices are 512×512: the page's row shows them this small


def _data_dir() -> str | None:
    return settings.AEWEB_DATA_DIR or None


@lru_cache(maxsize=2)
def _scene_items(data_dir: str | None) -> tuple[np.ndarray, np.ndarray]:
    from apps.core.ml.image_datasets import DatasetNotFoundError, dataset_load

    try:
        # Never downloaded from a web request: seed_demo or `train segmenter` fetch the data first.
        return dataset_load("fashion-mnist", SCENE_ITEMS_SPLIT, data_dir=data_dir, download=False, progress=False)
    except DatasetNotFoundError:
        raise Conflict(
            "Fashionopolis scenes are made of Fashion-MNIST items, which are not on this server: set AEWEB_DATA_DIR "
            f"or fetch them (`{train_command('fashionopolis')}` downloads them), or upload an image instead."
        ) from None


def scenes_available() -> bool:
    try:
        _scene_items(_data_dir())
    except Conflict:
        return False
    return True


@lru_cache(maxsize=64)
def scene_arrays(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(image uint8 S×S×3, true labels uint8 S×S) of the scene `seed`; the same seed, the same scene."""
    from apps.segment.ml.scenes import scene_make

    items, labels = _scene_items(_data_dir())
    image, mask = scene_make(seed, items, labels)
    image.setflags(write=False)
    mask.setflags(write=False)
    return image, mask


def em_folder():
    """The ISBI slices' folder when this server has them, else None."""
    return isbi_dir(_data_dir())


def em_slices() -> list[int]:
    """The slice numbers on this server, held-out test slices (24-29) first: the ones no model trained on."""
    folder = em_folder()
    if folder is None:
        return []
    found = isbi_indices(folder)
    return [i for i in found if i in ISBI_TEST] + [i for i in found if i not in ISBI_TEST]


def em_arrays(index: int) -> tuple[np.ndarray, np.ndarray]:
    """(slice uint8 H×W, true labels uint8 H×W: 1 = membrane) of slice `index`."""
    folder = em_folder()
    if folder is None or index not in isbi_indices(folder):
        raise Conflict(
            f"The ISBI 2012 EM slice {index} is not on this server (the data set is read from "
            "AEWEB_DATA_DIR/isbi-em, image/N.png and label/N.png); upload an image instead."
        )
    images, masks = isbi_load(folder, [index])
    return images[0], masks[0]


@lru_cache(maxsize=64)
def scene_png(seed: int) -> bytes:
    return png_bytes(scene_arrays(seed)[0])


@lru_cache(maxsize=32)
def em_thumb_png(index: int) -> bytes:
    image = Image.fromarray(em_arrays(index)[0])
    image.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
