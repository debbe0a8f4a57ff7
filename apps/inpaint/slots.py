"""The inpaint app's names: its model kind and slot, its job kinds, which data set serves which image.

One model kind, "inpainter", trained by `train inpainter`: on fashion-mnist or mnist it is the 28×28
masked-input encoder–decoder ("items"), on train400 the gated-convolution U-Net for photos
("gated_unet"). One active version per data set (slot "default"): a 28×28 grey image goes to the
fashion-mnist one, anything else to the train400 one.
"""

from __future__ import annotations

from apps.core.registry import DEFAULT_SLOT

# The names the app uses, in one place (the pure ml package defines them: it cannot import the app).
from apps.inpaint.ml.config import (  # noqa: F401
    COVERAGE_MAX,
    INPAINT_BASELINES,
    INPAINT_DATASETS,
    ITEM_DATASETS,
    MASK_KINDS,
    PHOTO_DATASETS,
)

INPAINTER_KIND = "inpainter"
INPAINTER_SLOT = DEFAULT_SLOT
TRAINING = "inpainter"
TRAIN_JOB_KIND = f"train.{TRAINING}"
IMAGE_KIND = "inpaint.image"  # fill one image's hole (interactive queue)

ITEM_SIZE = 28
ITEM_DATASET = "fashion-mnist"  # the items model a 28×28 grey image goes to
PHOTO_DATASET = "train400"  # the photo model everything else goes to

BASELINE_TITLES = {
    "telea": "OpenCV Telea",
    "navier_stokes": "OpenCV Navier–Stokes",
    "biharmonic": "Biharmonic (scikit-image)",
    "pca64": "PCA-64 least squares",
}
MASK_TITLES = {
    "painted": "painted",
    "centre": "centre square",
    "boxes": "random boxes",
    "pixels": "random pixels",
    "freeform": "free-form strokes",
}


def baseline_title(name: str) -> str:
    return BASELINE_TITLES.get(name, name)
