"""Validates a `train denoiser` request in the web process (no torch: ml/config.py is plain).

Two models: the photo U-Net ("unet", on Train400 or the samples) and the 28×28 demo autoencoder
("dae", on Fashion-MNIST or MNIST; `train vae --model dae` is routed here). The data set
depends on the model.
"""

from __future__ import annotations

from apps.core.errors import InvalidInput
from apps.core.params import int_option
from apps.core.training import training_params_check
from apps.denoise.ml.config import DAE_DATASETS, PHOTO_DATASETS, DaeConfig, DenoiserConfig

MODELS = ("unet", "dae")
DEFAULT_MODEL = "unet"
# The first of each is the default. "train400" falls back to the samples when it is not found.
DATASETS = {"unet": PHOTO_DATASETS, "dae": DAE_DATASETS}
# Settings of the demo autoencoder's training job itself, not of the model (DaeConfig holds those).
DAE_OPTIONS = {
    "train_count": int_option(64, 10_000_000, strings=True),  # the first N training images
    "test_count": int_option(1, 10_000_000, strings=True),  # the first N test images for test PSNR (default 2000)
}


def dataset_resolve(value: str, model: str) -> str:
    """The data set's slug for `model` (its default when empty), or InvalidInput naming it."""
    choices = DATASETS[model]
    slug = (value or choices[0]).lower()
    if slug not in choices:
        raise InvalidInput("dataset", f"must be one of {', '.join(choices)} for the {model} model, not {value!r}")
    return slug


def config_check(dataset: str, model: str, settings: dict) -> object:
    if model == "dae":
        return DaeConfig.from_dict({**settings, "dataset": dataset})
    return DenoiserConfig.from_dict(settings)


def training_params_validate(params: dict) -> dict:
    """{"dataset", "model", "config"} with defaults filled in; InvalidInput naming what is wrong."""
    dae = (params.get("model") or DEFAULT_MODEL) == "dae"
    return training_params_check(
        params,
        dataset_resolve=dataset_resolve,
        models=MODELS,
        default_model=DEFAULT_MODEL,
        config_check=config_check,
        options=DAE_OPTIONS if dae else None,
    )
