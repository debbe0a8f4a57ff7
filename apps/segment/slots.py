"""The segment app's names: its model kind and slot, its job kinds, the sample scenes the page offers.

One model kind, "segmenter", trained by `train segmenter`: one active version per data set
("fashionopolis": generated scenes of Fashion-MNIST items on textures, background + 10 item classes;
"isbi-em": the ISBI 2012 EM slices, cell vs membrane), in the slot "default"; the architecture
("unet" or "segnet") is the version's name.
"""

from __future__ import annotations

from apps.core.registry import DEFAULT_SLOT

# The names the ml package defines (it cannot import the app), in one place for the app.
from apps.segment.ml.config import (  # noqa: F401
    CLASS_COLOURS,
    CLASSES,
    SCENE_SIZE,
    SEGMENT_BASELINES,
    SEGMENT_DATASETS,
    SEGMENT_MODELS,
)

SEGMENTER_KIND = "segmenter"
TRAINING = "segmenter"
TRAIN_JOB_KIND = f"train.{TRAINING}"
SEGMENTER_SLOT = DEFAULT_SLOT
IMAGE_KIND = "segment.image"  # segment one image (interactive queue)

DEFAULT_DATASET = "fashionopolis"
SCENES_DATASET = "fashionopolis"
EM_DATASET = "isbi-em"

# The scenes the page shows first: fixed seeds, so the row of thumbnails is the same on every visit.
SCENE_SEEDS = (1, 2, 3, 5, 8, 13, 21, 34)
# Generated scenes are made from these Fashion-MNIST items: the test split, which no model trained on.
SCENE_ITEMS_SPLIT = "test"

DATASET_TITLES = {
    "fashionopolis": "Fashionopolis scenes (Fashion-MNIST items on textures)",
    "isbi-em": "ISBI 2012 electron microscopy (cells and membranes)",
}
MODEL_TITLES = {"unet": "U-Net", "segnet": "SegNet"}
# Short: they head the columns of a table that must fit a phone; the caption says what each one is.
BASELINE_TITLES = {"constant": "Constant", "otsu": "Otsu", "random_forest": "Random forest"}
BASELINE_NOTES = {
    "constant": "the most frequent class everywhere",
    "otsu": "a threshold on the grey level (dark = membrane)",
    "random_forest": "scikit-image multiscale features + a scikit-learn random forest",
}


def train_command(dataset: str) -> str:
    """How to make a model for `dataset`, as a visitor or an operator would type it."""
    return f"manage.py train segmenter --dataset {dataset}"
