"""Names and training settings of the inpainting models (no torch, no NumPy: the web validates with it).

Two models, both taking the mask as an input channel:

- "items": a masked-input convolutional encoder–decoder for 28×28 grey items (Fashion-MNIST, MNIST),
  with skip connections and a channel-wise fully connected bottleneck (every output pixel sees the
  whole item, as in Pathak et al.'s context encoder).
- "gated_unet": a gated-convolution U-Net (Yu et al. 2019) for photos of any size, trained on
  random Train400 patches with free-form and box masks; it predicts a residual over a cheap
  initial fill (OpenCV's Navier–Stokes by default), so it starts at that baseline and learns what it lacks.

`InpainterConfig` is what `train inpainter` accepts in `--set key=value` (and the API's "config"),
checked by `apps.inpaint.training_config.training_params_validate` before a job is queued.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.ml.config import Config, check

ITEM_DATASETS = ("fashion-mnist", "mnist")  # 28×28 masked-input conv encoder–decoder ("items")
PHOTO_DATASETS = ("train400",)  # gated-conv U-Net for photos ("gated_unet")
INPAINT_DATASETS = ITEM_DATASETS + PHOTO_DATASETS
INPAINT_MODELS = ("items", "gated_unet")
MASK_KINDS = ("centre", "boxes", "pixels", "freeform")
COVERAGE_MAX = 0.6  # the largest share of an image a request may ask to have removed
INPAINT_BASELINES = ("telea", "navier_stokes", "biharmonic", "pca64")  # pca64 only for 28×28 grey
BASE_FILLS = ("navier_stokes", "telea", "pushpull")  # the photo model's initial fill
ITEM_SIZE = 28

# Per-model defaults for the settings left at None (the two models train at very different scales).
MODEL_DEFAULTS = {
    "items": {"width": 16, "batch": 64, "lr": 2e-3, "seconds": 300.0},
    "gated_unet": {"width": 32, "batch": 8, "lr": 1e-3, "seconds": 1200.0},
}


def model_for_dataset(dataset: str) -> str:
    """The model a data set trains: "gated_unet" for photos, "items" for 28×28 items."""
    return "gated_unet" if dataset in PHOTO_DATASETS else "items"


@dataclass(frozen=True)
class InpainterConfig(Config):
    """Settings of one inpainting model; None picks the model's default (MODEL_DEFAULTS).

    Training stops at whichever comes first: `epochs` passes over the data (items) or
    `epochs` × `steps_per_epoch` batches (photos), or `seconds` of wall-clock time; the learning
    rate follows a cosine over that budget, so a short budget still ends at a low rate.
    """

    model: str = "items"
    width: int | None = None  # features at the first level; doubled (items) or ×2, ×3, ×4 (photos) below
    seconds: float | None = None  # wall-clock training budget
    epochs: int = 200
    steps_per_epoch: int = 100  # photos: batches per reported epoch
    batch: int | None = None
    lr: float | None = None
    hole_weight: float = 5.0  # L1 inside the hole counts this much more than outside it
    patch: int = 128  # photos: training patch side
    train_count: int | None = None  # items: use only the first N training images
    base: str = "navier_stokes"  # photos: the initial fill the net corrects
    seed: int = 0

    def __post_init__(self) -> None:
        check(self.model in INPAINT_MODELS, "model", f"must be one of {', '.join(INPAINT_MODELS)}")
        check(self.width is None or 4 <= self.width <= 128, "width", "must be in 4..128")
        check(self.seconds is None or 0 < self.seconds <= 86_400, "seconds", "must be in (0, 86400]")
        check(1 <= self.epochs <= 100_000, "epochs", "must be in 1..100000")
        check(1 <= self.steps_per_epoch <= 1_000_000, "steps_per_epoch", "must be in 1..1000000")
        check(self.batch is None or 1 <= self.batch <= 4096, "batch", "must be in 1..4096")
        check(self.lr is None or 0 < self.lr <= 1.0, "lr", "must be in (0, 1]")
        check(0 <= self.hole_weight <= 100, "hole_weight", "must be in 0..100")
        check(32 <= self.patch <= 512 and self.patch % 16 == 0, "patch", "must be in 32..512 and a multiple of 16")
        check(self.base in BASE_FILLS, "base", f"must be one of {', '.join(BASE_FILLS)}")
        check(self.train_count is None or self.train_count >= 64, "train_count", "must be at least 64")

    def value(self, name: str):
        """A setting with the model's default in place of None."""
        found = getattr(self, name)
        return MODEL_DEFAULTS[self.model][name] if found is None else found
