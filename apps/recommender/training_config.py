"""Validates a recommender training request in the web process (no torch: config.py is plain)."""

from __future__ import annotations

from apps.core.errors import InvalidInput, NotFound
from apps.core.training import training_params_check
from apps.recommender.ml.config import MODELS, TrainConfig
from apps.recommender.models import Dataset

DEFAULT_MODEL = "mult-vae"


def dataset_resolve(slug: str, model: str = "") -> str:
    """An imported data set's slug; without one, the first real data set (a synthetic one last)."""
    if not slug:
        first = Dataset.objects.order_by("is_synthetic", "slug").values_list("slug", flat=True).first()
        if first is None:
            raise InvalidInput("dataset", "no rating data set exists yet; import one with import_ratings")
        return first
    if not Dataset.objects.filter(slug=slug).exists():
        raise NotFound(f"No rating data set {slug!r}.")
    return slug


def training_params_validate(params: dict) -> dict:
    """{"dataset", "model", "config"} with defaults filled in; NotFound/InvalidInput naming what is wrong."""
    return training_params_check(
        params,
        dataset_resolve=dataset_resolve,
        models=MODELS,
        default_model=DEFAULT_MODEL,
        config_check=lambda dataset, model, settings: TrainConfig.from_dict({**settings, "model": model}),
    )
