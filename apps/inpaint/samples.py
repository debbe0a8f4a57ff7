"""The samples one click away on the inpainting page: Fashion-MNIST test items and the shipped photos.

Items are named "item-<n>", n an index into the Fashion-MNIST test set: the first three of each class
(ITEM_INDICES, in class order). They are read in the web process with NumPy only (never downloaded
here: without the data set on this machine the page offers the photos alone) and kept per process.
The photos are apps.core.photo_samples' (camera, astronaut, coffee, chelsea).
"""

from __future__ import annotations

import io
from functools import cache

import numpy as np
from django.conf import settings
from django.urls import reverse
from PIL import Image

from apps.core.photo_samples import SAMPLES as PHOTOS
from apps.core.photo_samples import sample_path, samples_list
from apps.inpaint.slots import ITEM_DATASET

# The first three test images of each Fashion-MNIST class (T-shirt/top ... Ankle boot), in class order.
ITEM_INDICES = (19, 27, 35, 2, 3, 5, 1, 16, 20, 13, 29, 32, 6, 10, 14,
                8, 11, 21, 4, 7, 26, 9, 12, 22, 18, 30, 31, 0, 23, 28)  # fmt: skip
ITEM_PREFIX = "item-"
ITEMS = tuple(f"{ITEM_PREFIX}{n}" for n in ITEM_INDICES)
SAMPLE_NAMES = ITEMS + tuple(PHOTOS)


class SampleUnavailable(LookupError):
    """An item sample asked for where Fashion-MNIST is not on this machine."""


def sample_is_item(name: str) -> bool:
    return name in ITEMS


@cache
def _items() -> tuple[dict[int, np.ndarray], dict[int, int]]:
    from apps.core.ml.image_datasets import DatasetNotFoundError, dataset_load

    try:
        images, labels = dataset_load(
            ITEM_DATASET, "test", data_dir=settings.AEWEB_DATA_DIR or None, download=False, progress=False
        )
    except (DatasetNotFoundError, OSError, ValueError) as exc:
        raise SampleUnavailable(str(exc)) from None
    # Only the few samples are kept: the 10,000 test images are dropped once these are copied out.
    return (
        {n: np.ascontiguousarray(images[n]) for n in ITEM_INDICES},
        {n: int(labels[n]) for n in ITEM_INDICES},
    )


def items_available() -> bool:
    try:
        _items()
    except SampleUnavailable:
        return False
    return True


def item_pixels(name: str) -> np.ndarray:
    """The 28×28 uint8 item (SampleUnavailable without the data set, KeyError for another name)."""
    if name not in ITEMS:
        raise KeyError(name)
    return _items()[0][int(name.removeprefix(ITEM_PREFIX))]


def item_title(name: str) -> str:
    from apps.core.ml.image_datasets import dataset_class_names

    index = int(name.removeprefix(ITEM_PREFIX))
    label = _items()[1][index]
    return f"{dataset_class_names(ITEM_DATASET)[label]} (test image {index})"


def _item_png(name: str) -> bytes:
    out = io.BytesIO()
    Image.fromarray(item_pixels(name), "L").save(out, format="PNG")
    return out.getvalue()


def sample_bytes(name: str) -> tuple[bytes, str]:
    """(PNG bytes, file name) of a sample; KeyError for an unknown name, SampleUnavailable for a missing item."""
    if name in ITEMS:
        return _item_png(name), f"{name}.png"
    if name in PHOTOS:
        return sample_path(name).read_bytes(), f"{name}.png"
    raise KeyError(name)


def samples_for_page() -> list[dict]:
    """What the page shows: {name, title, kind ("photo" | "item"), url, thumb_url}, photos first; items only when
    Fashion-MNIST is on this machine."""
    found = [{**photo, "kind": "photo"} for photo in samples_list()]
    if items_available():
        for name in ITEMS:
            url = reverse("inpaint:sample", args=[name])
            found.append({"name": name, "title": item_title(name), "kind": "item", "url": url, "thumb_url": url})
    return found
