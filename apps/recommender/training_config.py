"""Validates a recommender training request in the web process (no torch: config.py is plain)."""

from __future__ import annotations

from apps.core.errors import InvalidInput, NotFound
from apps.core.training import training_params_check
from apps.recommender.ml.config import MODELS, TrainConfig
from apps.recommender.models import Dataset

# Without a --model: the validated ensemble (EDLAE + Mult-DAE), which scored best on both MovieLens
# sets with every setting chosen on the data set's own validation users (benchmarks/recommender_shallow).
# Its EDLAE part holds a dense items × items matrix, so a larger catalogue gets Mult-VAE, whose
# cost grows with the ratings instead.
DEFAULT_MODEL = "ensemble"
LARGE_CATALOGUE_MODEL = "mult-vae"
DENSE_MAX_ITEMS = TrainConfig.ease_baseline_max_items


def model_default(slug: str) -> str:
    """The model `train recommender` and the admin's Retrain use when none is named."""
    n_items = Dataset.objects.filter(slug=slug).values_list("n_items", flat=True).first() or 0
    return DEFAULT_MODEL if n_items <= DENSE_MAX_ITEMS else LARGE_CATALOGUE_MODEL


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
    if not params.get("model"):
        params = {**params, "model": model_default(dataset_resolve(str(params.get("dataset") or "")))}
    return training_params_check(
        params,
        dataset_resolve=dataset_resolve,
        models=MODELS,
        default_model=DEFAULT_MODEL,
        config_check=lambda dataset, model, settings: TrainConfig.from_dict({**settings, "model": model}),
    )
