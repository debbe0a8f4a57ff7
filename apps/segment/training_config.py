"""Validates a `train segmenter` request in the web process (no torch: ml/config.py is plain Python).

Data sets: "fashionopolis" (generated scenes, always available: Fashion-MNIST is fetched like
everywhere else) and "isbi-em" (refused up front when its slices are not in AEWEB_DATA_DIR). Models:
"unet", "segnet". The settings are SegmenterConfig's fields (seconds, epochs, base, batch, lr, ...).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from apps.core.errors import InvalidInput
from apps.core.training import training_params_check
from apps.segment.ml.config import SEGMENT_DATASETS, SEGMENT_MODELS, SegmenterConfig
from apps.segment.ml.isbi import isbi_dir

DEFAULT_DATASET = "fashionopolis"
DEFAULT_MODEL = "unet"


def dataset_resolve(value: str, model: str = "") -> str:
    """The data set's slug (the default when empty), or InvalidInput naming it (also when its data is missing)."""
    slug = (value or DEFAULT_DATASET).lower()
    if slug not in SEGMENT_DATASETS:
        raise InvalidInput("dataset", f"must be one of {', '.join(SEGMENT_DATASETS)}, not {value!r}")
    if slug == "isbi-em" and isbi_dir(settings.AEWEB_DATA_DIR) is None:
        raise InvalidInput(
            "dataset", "the ISBI EM slices are not here: put image/N.png and label/N.png under AEWEB_DATA_DIR/isbi-em"
        )
    return slug


def config_check(dataset: str, model: str, settings_: dict[str, Any]) -> SegmenterConfig:
    return SegmenterConfig.from_dict({**settings_, "model": model, "dataset": dataset})


def training_params_validate(params: dict) -> dict:
    """{"dataset", "model", "config"} with defaults filled in; InvalidInput naming what is wrong."""
    return training_params_check(
        params,
        dataset_resolve=dataset_resolve,
        models=SEGMENT_MODELS,
        default_model=DEFAULT_MODEL,
        config_check=config_check,
    )
