"""Validates a `train inpainter` request in the web process (no torch: ml/config.py is plain).

The data set picks the model: fashion-mnist or mnist train the 28×28 items encoder–decoder
("items"), train400 the photo gated-conv U-Net ("gated_unet"). `--model` may be given too, but
must match the data set. The config's settings are InpainterConfig's (apps/inpaint/ml/config.py:
seconds, epochs, width, batch, lr, …) plus the job option `test_count` (items: the first N test
images evaluated, default 1000).
"""

from __future__ import annotations

from apps.core.errors import InvalidInput
from apps.core.params import int_option
from apps.core.training import training_params_check
from apps.inpaint.ml.config import (
    INPAINT_DATASETS,
    INPAINT_MODELS,
    ITEM_DATASETS,
    PHOTO_DATASETS,
    InpainterConfig,
    model_for_dataset,
)

DEFAULT_DATASET = "fashion-mnist"
DATASETS = {"items": ITEM_DATASETS, "gated_unet": PHOTO_DATASETS}
OPTIONS = {"test_count": int_option(1, 10_000, strings=True)}


def dataset_resolve(value: str, model: str) -> str:
    """The data set's slug for `model` (its first when empty), or InvalidInput naming it."""
    choices = DATASETS[model]
    slug = (value or choices[0]).lower()
    if slug not in choices:
        if slug in INPAINT_DATASETS:
            raise InvalidInput("dataset", f"{slug} trains the {model_for_dataset(slug)} model, not {model}")
        raise InvalidInput("dataset", f"must be one of {', '.join(INPAINT_DATASETS)}, not {value!r}")
    return slug


def config_check(dataset: str, model: str, settings: dict) -> InpainterConfig:
    if "model" in settings:
        raise InvalidInput("config", "name the model in 'model', not inside 'config'")
    return InpainterConfig.from_dict({**settings, "model": model})


def training_params_validate(params: dict) -> dict:
    """{"dataset", "model", "config"} with defaults filled in; InvalidInput naming what is wrong.

    No model: the data set's ("items" for fashion-mnist/mnist, "gated_unet" for train400); no data
    set either: fashion-mnist.
    """
    params = dict(params or {})
    if not params.get("model"):
        dataset = str(params.get("dataset") or DEFAULT_DATASET).lower()
        params["model"] = model_for_dataset(dataset) if dataset in INPAINT_DATASETS else "items"
    return training_params_check(
        params,
        dataset_resolve=dataset_resolve,
        models=INPAINT_MODELS,
        default_model="items",
        config_check=config_check,
        options=OPTIONS,
    )
