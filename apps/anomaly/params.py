"""Validators run in the web process before anything is queued (no torch): `train anomaly` and the scoring jobs."""

from __future__ import annotations

from typing import Any

from apps.anomaly.ml.config import (
    IMAGE_DATASETS,
    IMAGE_MODELS,
    SERIES_DATASETS,
    SERIES_DEFAULT,
    SERIES_MODELS,
    ImageTrainConfig,
    SeriesTrainConfig,
)
from apps.anomaly.slots import DEFAULT_IMAGE_DATASET, SLOTS
from apps.core.errors import InvalidInput
from apps.core.ml.config import ConfigError
from apps.core.training import dataset_choice, training_params_check


def _config_check(dataset: str, model: str, settings: dict[str, Any]) -> object:
    if dataset in IMAGE_DATASETS:
        if model not in IMAGE_MODELS:
            raise ConfigError("model", f"on an image data set the model is one of {', '.join(IMAGE_MODELS)}")
        return ImageTrainConfig.from_dict({**settings, "model": model})
    if model not in SERIES_MODELS:
        raise ConfigError("model", f"on a series the model is one of {', '.join(SERIES_MODELS)}")
    return SeriesTrainConfig.from_dict({**settings, "model": model})


def training_params_validate(params: dict) -> dict:
    """{"dataset", "model", "config"} for `train anomaly`, with defaults; InvalidInput naming the setting."""
    dataset = str(params.get("dataset") or "").lower()
    default_model = SERIES_DEFAULT if dataset in SERIES_DATASETS else "conv"
    try:
        return training_params_check(
            params,
            dataset_resolve=dataset_choice(IMAGE_DATASETS + SERIES_DATASETS, DEFAULT_IMAGE_DATASET),
            models=SLOTS,
            default_model=default_model,
            config_check=_config_check,
        )
    except InvalidInput as exc:
        if "config.model" in exc.errors:  # the model is named beside the config, not inside it
            raise InvalidInput("model", exc.errors["config.model"][0]) from None
        raise


def table_score_params_validate(params: dict) -> dict:
    """{"run": uuid text, "rows": [...]} for scoring new rows; the service checked the rows against the table."""
    if not isinstance(params.get("run"), str) or not isinstance(params.get("rows"), list) or not params["rows"]:
        raise InvalidInput("rows", "send the rows to score as a non-empty list of objects")
    return params


def image_score_params_validate(params: dict) -> dict:
    """{"version": id, "normal_class": 0..9, "pixels": 784 grey levels} (the service read and checked the image)."""
    pixels = params.get("pixels")
    if not (
        isinstance(pixels, list) and len(pixels) == 784 and all(isinstance(p, int) and 0 <= p <= 255 for p in pixels)
    ):
        raise InvalidInput("image", "the image must be 28×28 grey levels")
    if not isinstance(params.get("normal_class"), int) or not 0 <= params["normal_class"] <= 9:
        raise InvalidInput("normal_class", "must be a class number 0..9")
    if not isinstance(params.get("version"), int):
        raise InvalidInput("version", "must be a model version id")
    return params
