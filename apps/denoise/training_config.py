"""Validates a denoiser training request in the web process (no torch: ml/config.py is plain)."""

from __future__ import annotations

from apps.core.errors import InvalidInput
from apps.denoise.ml.config import DenoiserConfig

DATASETS = ("train400", "samples")  # train400 falls back to the samples when it is not found
MODELS = ("unet",)


def training_params_validate(params: dict) -> dict:
    """{"dataset", "model", "config"} with defaults filled in; 400 naming what is wrong."""
    dataset = (params.get("dataset") or "train400").lower()
    if dataset not in DATASETS:
        raise InvalidInput("dataset", f"must be one of {', '.join(DATASETS)}, not {dataset!r}")
    model = params.get("model") or MODELS[0]
    if model not in MODELS:
        raise InvalidInput("model", f"must be one of {', '.join(MODELS)}, not {model!r}")
    config = params.get("config") or {}
    if not isinstance(config, dict):
        raise InvalidInput("config", "must be an object of training settings")
    if "activate" in config and not isinstance(config["activate"], bool):
        raise InvalidInput("config.activate", "must be true or false")
    try:
        DenoiserConfig.from_dict({k: v for k, v in config.items() if k != "activate"})
    except (ValueError, TypeError) as exc:
        key = str(exc).split(":", 1)[0]
        raise InvalidInput(f"config.{key}" if key.isidentifier() else "config", str(exc)) from None
    return {"dataset": dataset, "model": model, "config": config}
