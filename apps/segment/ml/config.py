"""Segmentation settings and names: data sets, models, baselines, class names and colours (no torch, no NumPy).

The web process imports this module (class names and colours for the page and the API, the config
class to validate a `train segmenter` request), so it holds plain Python only.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.ml.config import Config, check

SEGMENT_DATASETS = ("fashionopolis", "isbi-em")
# "segnet": the encoder's max-pooling indices carried to the decoder (MaxUnpool), no skip features.
SEGMENT_MODELS = ("unet", "segnet")
SEGMENT_BASELINES = ("constant", "otsu", "random_forest")
# Otsu thresholds one grey level into two classes: it has no multi-class answer for the scenes.
DATASET_BASELINES = {"fashionopolis": ("constant", "random_forest"), "isbi-em": SEGMENT_BASELINES}

CLASSES = {
    "fashionopolis": ("background", "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                      "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "isbi-em": ("cell", "membrane"),
}  # fmt: skip
# Paul Tol's "muted" scheme (made to stay distinct for colour-blind eyes) plus Okabe-Ito orange for the
# tenth item class; background and cell interiors dark grey, so the objects are what stands out.
CLASS_COLOURS = {
    "fashionopolis": ("#404040", "#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99",
                      "#999933", "#AA4499", "#E69F00"),
    "isbi-em": ("#404040", "#EE7733"),
}  # fmt: skip
IN_CHANNELS = {"fashionopolis": 3, "isbi-em": 1}
# Settings left unset (None) take their data set's value: items tens of pixels wide on the scenes let the net
# run at half resolution (4× cheaper, more batches in the budget) and need their ten rarer classes weighted;
# membranes a few pixels thin need full resolution, and weighting them costs pixel accuracy.
DATASET_DEFAULTS = {
    "fashionopolis": {"scale": 2, "batch": 8, "class_weighted": True},
    "isbi-em": {"scale": 1, "batch": 16, "class_weighted": False},
}
SCENE_SIZE = 128


@dataclass(frozen=True)
class SegmenterConfig(Config):
    """One segmenter and how it is trained.

    `scale`, `batch` and `class_weighted` default to their data set's values (DATASET_DEFAULTS).
    Training stops at `seconds` (wall clock, the cosine learning rate is stretched over it) or after
    `epochs` of `steps` batches, whichever comes first; `seconds` None trains the full epoch count (the
    fixed-work setting used to compare devices).
    """

    model: str = "unet"
    dataset: str = "fashionopolis"
    seconds: float | None = 600.0
    epochs: int = 200
    steps: int = 40  # batches per epoch
    base: int = 16  # channels of the first level; doubled at each level down
    depth: int = 3  # pooling steps
    scale: int | None = None  # the net runs on the image average-pooled by this factor (1, 2, 4), logits upsampled
    batch: int | None = None
    lr: float = 0.003
    weight_decay: float = 0.0001
    seed: int = 0
    crop: int = 128  # training crop (the scenes are SCENE_SIZE: a crop of that size is the whole scene)
    dice: float = 0.5  # weight of the soft Dice loss beside cross-entropy
    class_weighted: bool | None = None  # cross-entropy weighted by inverse class frequency (square-rooted)
    scenes: int = 3000  # fashionopolis: training scenes (from Fashion-MNIST training items)
    test_scenes: int = 300  # fashionopolis: test scenes (from Fashion-MNIST test items)
    tile: int = 256  # inference tile (overlapping, blended)
    baselines: bool = True  # run the baselines in the same training job

    def __post_init__(self) -> None:
        check(self.model in SEGMENT_MODELS, "model", f"must be one of {', '.join(SEGMENT_MODELS)}")
        check(self.dataset in SEGMENT_DATASETS, "dataset", f"must be one of {', '.join(SEGMENT_DATASETS)}")
        for name, value in DATASET_DEFAULTS[self.dataset].items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)  # frozen: set once, here
        check(self.seconds is None or 1 <= self.seconds <= 86_400, "seconds", "must be 1..86400 (or none)")
        check(1 <= self.epochs <= 100_000, "epochs", "must be 1..100000")
        check(1 <= self.steps <= 100_000, "steps", "must be 1..100000")
        check(4 <= self.base <= 128, "base", "must be 4..128")
        check(1 <= self.depth <= 5, "depth", "must be 1..5")
        check(self.scale in (1, 2, 4), "scale", "must be 1, 2 or 4")
        check(1 <= self.batch <= 512, "batch", "must be 1..512")
        check(0 < self.lr <= 1, "lr", "must be in (0, 1]")
        check(0 <= self.weight_decay <= 1, "weight_decay", "must be 0..1")
        check(self.crop >= 2**self.depth * 2 and self.crop <= 1024, "crop", f"must be {2**self.depth * 2}..1024")
        check(self.crop % 2**self.depth == 0, "crop", f"must be a multiple of {2**self.depth} (2^depth)")
        check(0 <= self.dice <= 10, "dice", "must be 0..10")
        check(10 <= self.scenes <= 200_000, "scenes", "must be 10..200000")
        check(10 <= self.test_scenes <= 20_000, "test_scenes", "must be 10..20000")
        check(2**self.depth * 2 <= self.tile <= 2048, "tile", f"must be {2**self.depth * 2}..2048")

    @property
    def classes(self) -> tuple[str, ...]:
        return CLASSES[self.dataset]

    @property
    def colours(self) -> tuple[str, ...]:
        return CLASS_COLOURS[self.dataset]

    @property
    def in_channels(self) -> int:
        return IN_CHANNELS[self.dataset]

    @property
    def align(self) -> int:
        """Sides the net sees whole: tiles start on multiples of it."""
        return 2**self.depth * self.scale
