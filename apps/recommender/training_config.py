"""Validates a recommender training request in the web process (no torch: config.py is plain)."""

from __future__ import annotations

import re

from rest_framework.exceptions import NotFound

from apps.core.errors import InvalidInput
from apps.recommender.ml.config import MODELS, TrainConfig
from apps.recommender.models import Dataset

DEFAULT_MODEL = "mult-vae"


def training_params_validate(params: dict) -> dict:
    """{"dataset", "model", "config"} with defaults filled in; 404/400 naming what is wrong."""
    slug = params.get("dataset") or ""
    if not slug:
        first = Dataset.objects.order_by("is_synthetic", "slug").values_list("slug", flat=True).first()
        if first is None:
            raise InvalidInput("dataset", "no rating data set exists yet; import one with import_ratings")
        slug = first
    elif not Dataset.objects.filter(slug=slug).exists():
        raise NotFound(f"No rating data set {slug!r}.")
    model = params.get("model") or DEFAULT_MODEL
    if model not in MODELS:
        raise InvalidInput("model", f"must be one of {', '.join(MODELS)}, not {model!r}")
    config = params.get("config") or {}
    if not isinstance(config, dict):
        raise InvalidInput("config", "must be an object of training settings")
    overrides = {key: value for key, value in config.items() if key != "activate"}
    if "model" in overrides:
        raise InvalidInput("config", "name the model in 'model', not inside 'config'")
    try:
        TrainConfig.from_dict({**overrides, "model": model})
    except (ValueError, TypeError) as exc:
        named = re.search(r"'(\w+)'", str(exc))
        raise InvalidInput(f"config.{named.group(1)}" if named else "config", str(exc)) from None
    if "activate" in config and not isinstance(config["activate"], bool):
        raise InvalidInput("config.activate", "must be true or false")
    return {"dataset": slug, "model": model, "config": config}
