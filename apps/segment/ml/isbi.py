"""The ISBI 2012 EM slices (NumPy + Pillow): `<data dir>/isbi-em/image/N.png` and `label/N.png`, N = 0..29.

Labels are white for cell interiors and black for membranes; masks here are 1 = membrane, 0 = cell.
The common split: slices 0-23 train, 24-29 test. The data's licence is not stated: it is read where
it lies (AEWEB_DATA_DIR), never copied or shipped, nor are weights trained on it. The web process calls
`isbi_dir` to list the slices on the page when they are present.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

ISBI_TRAIN = tuple(range(24))
ISBI_TEST = tuple(range(24, 30))
ISBI_NAME = "isbi-em"


def isbi_dir(data_dir: str | Path | None) -> Path | None:
    """`<data_dir>/isbi-em` when it holds image/ and label/ folders, else None."""
    if not data_dir:
        return None
    folder = Path(data_dir) / ISBI_NAME
    return folder if (folder / "image").is_dir() and (folder / "label").is_dir() else None


def isbi_indices(folder: str | Path) -> list[int]:
    """The slice numbers that have both an image and a label, sorted."""
    folder = Path(folder)
    found = []
    for path in (folder / "image").glob("*.png"):
        if path.stem.isdigit() and (folder / "label" / path.name).is_file():
            found.append(int(path.stem))
    return sorted(found)


def isbi_load(folder: str | Path, indices: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(N×H×W uint8 grey images, N×H×W uint8 masks: 1 = membrane, 0 = cell) for the slices `indices`."""
    folder = Path(folder)
    indices = isbi_indices(folder) if indices is None else list(indices)
    if not indices:
        raise FileNotFoundError(f"{folder}: no slices (image/N.png with label/N.png)")
    images, masks = [], []
    for index in indices:
        image_path, label_path = folder / "image" / f"{index}.png", folder / "label" / f"{index}.png"
        if not (image_path.is_file() and label_path.is_file()):
            raise FileNotFoundError(f"{folder}: slice {index} lacks image/{index}.png or label/{index}.png")
        with Image.open(image_path) as im:
            images.append(np.asarray(im.convert("L"), dtype=np.uint8))
        with Image.open(label_path) as im:
            # membranes are black; anything below mid-grey counts (resampled labels are not pure 0/255)
            masks.append((np.asarray(im.convert("L")) < 128).astype(np.uint8))
        if images[-1].shape != masks[-1].shape:
            raise ValueError(f"{folder}: slice {index}: image {images[-1].shape} and label {masks[-1].shape} differ")
    return np.stack(images), np.stack(masks)
