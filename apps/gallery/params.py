"""Validators of the gallery's job params, run in the web process before anything is queued.

They are the JobKind validators of the gallery's contract, so every way of starting a job —
API, admin, `train vae`, seed_demo — is checked the same way. No torch: config.py and the
image data sets are plain Python/NumPy. The limits here are the ones the API's serializers show.
"""

from __future__ import annotations

from apps.core.errors import Conflict, InvalidInput, NotFound
from apps.core.ml.image_datasets import label_parse
from apps.core.ml.vae.config import VAE_MODELS, VaeConfig
from apps.core.models import ModelVersion
from apps.core.params import int_option, param_int, param_number, param_seed
from apps.core.selectors import id_possible, model_version_active
from apps.core.training import dataset_choice, training_params_check
from apps.gallery import selectors
from apps.gallery.models import ImageKind
from apps.gallery.slots import (
    DATASETS,
    DEFAULT_DATASET,
    DEFAULT_MODEL,
    MODEL_FOR_SLOT,
    SLOT_CONDITIONAL,
    SLOT_DEFAULT,
    SLOT_LATENT2D,
    VAE_KIND,
)

COUNT_MAX = 64
TEMPERATURE_MAX = 3.0
STEPS_MIN, STEPS_MAX = 2, 16
GRID_MIN, GRID_MAX = 2, 32
SPAN_MAX = 10.0
RECONSTRUCT_MAX = 32
# Settings of the training job itself, not of the model (VaeConfig holds those).
TRAINING_OPTIONS = {
    "train_count": int_option(64, 10_000_000, strings=True),
    "test_count": int_option(1, 10_000_000, strings=True),
    "iwae_k": int_option(0, 5000, strings=True),
}
INTERPOLATABLE = (ImageKind.SAMPLE, ImageKind.INTERPOLATION, ImageKind.RECONSTRUCTION, ImageKind.ORIGINAL)


def _dataset(params: dict) -> str:
    dataset = params.get("dataset") or selectors.gallery_dataset_default()
    if dataset not in DATASETS:
        raise InvalidInput("dataset", f"must be one of {', '.join(DATASETS)}, not {dataset!r}")
    return dataset


def _model_for(params: dict, *, dataset: str, slot: str, what: str) -> ModelVersion:
    """The version named in params (a retried job keeps its model), else the active one of the slot."""
    if params.get("model_version"):
        wanted = params["model_version"]
        version = ModelVersion.objects.filter(id=wanted, kind=VAE_KIND).first() if id_possible(wanted) else None
        if version is None:
            raise NotFound(f"No gallery model version {params['model_version']}.")
        return version
    version = model_version_active(kind=VAE_KIND, dataset=dataset, slot=slot)
    if version is None:
        raise Conflict(
            f"No active {VAE_KIND} model ({slot}) for {dataset} yet, so {what} is not possible: train one with "
            f"`manage.py train vae --dataset {dataset} --model {MODEL_FOR_SLOT[slot]}` or run seed_demo."
        )
    return version


def training_params_validate(params: dict) -> dict:
    """{"dataset", "model", "config"} for `train vae`, with defaults; InvalidInput naming the bad setting."""
    return training_params_check(
        params,
        dataset_resolve=dataset_choice(DATASETS, DEFAULT_DATASET),
        models=VAE_MODELS,
        default_model=DEFAULT_MODEL,
        config_check=lambda dataset, model, settings: VaeConfig.from_dict(
            {**settings, "dataset": dataset, "model": model}
        ),
        options=TRAINING_OPTIONS,
        aliases={"latent": "latent_dim"},  # the short spelling people type: --set latent=8
    )


def generate_params_validate(params: dict) -> dict:
    """N samples: count 1..64, temperature in (0, 3], optional label (a conditional model then)."""
    dataset = _dataset(params)
    count = param_int(params, "count", default=16, low=1, high=COUNT_MAX)
    temperature = param_number(params, "temperature", default=1.0, high=TEMPERATURE_MAX)
    label = params.get("label")
    label_index = None
    if label not in (None, ""):
        if isinstance(label, bool) or not isinstance(label, int | str) or len(str(label)) > 64:
            raise InvalidInput("label", "must be a class name or index")
        try:
            label_index = label_parse(dataset, label)
        except ValueError as exc:
            raise InvalidInput("label", str(exc).removeprefix("label: ")) from None
    slot = SLOT_CONDITIONAL if label_index is not None else SLOT_DEFAULT
    version = _model_for(params, dataset=dataset, slot=slot, what="generating" + (" by label" if label else ""))
    if label_index is not None and version.slot != SLOT_CONDITIONAL:
        raise InvalidInput("label", f"model version {version.id} is not class-conditional")
    return {
        "dataset": version.dataset,
        "model_version": version.id,
        "count": count,
        "seed": param_seed(params),
        "temperature": temperature,
        "label": label_index,
    }


def interpolate_params_validate(params: dict) -> dict:
    """Two images of the same model version (404 when unknown), 2..16 steps between them."""
    steps = param_int(params, "steps", default=8, low=STEPS_MIN, high=STEPS_MAX)
    ids = {}
    for key in ("start", "end"):
        value = params.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(key, "an image id (integer) is required")
        ids[key] = value
    images = {key: selectors.image_get(image_id=image_id) for key, image_id in ids.items()}
    for key, image in images.items():
        if image.kind not in INTERPOLATABLE:
            raise InvalidInput(key, f"image {image.id} is a {image.kind}, not a single image to interpolate from")
        if image.model_version.kind != VAE_KIND:
            raise InvalidInput(key, f"image {image.id} was not made by a gallery model")
    if images["start"].model_version_id != images["end"].model_version_id:
        raise InvalidInput(
            "end",
            f"images {ids['start']} and {ids['end']} come from different model versions "
            f"({images['start'].model_version_id} and {images['end'].model_version_id}); "
            "their latent spaces cannot be compared",
        )
    return {"start": ids["start"], "end": ids["end"], "steps": steps, "model_version": images["start"].model_version_id}


def latent_map_params_validate(params: dict) -> dict:
    dataset = _dataset(params)
    grid = param_int(params, "grid", default=20, low=GRID_MIN, high=GRID_MAX)
    span = param_number(params, "span", default=2.5, high=SPAN_MAX)
    version = _model_for(params, dataset=dataset, slot=SLOT_LATENT2D, what="drawing the latent map")
    if version.slot != SLOT_LATENT2D:
        raise InvalidInput("model_version", f"model version {version.id} does not have a 2-D latent space")
    return {"dataset": version.dataset, "model_version": version.id, "grid": grid, "span": span}


def reconstruct_params_validate(params: dict) -> dict:
    dataset = _dataset(params)
    count = param_int(params, "count", default=8, low=1, high=RECONSTRUCT_MAX)
    version = _model_for(params, dataset=dataset, slot=SLOT_DEFAULT, what="reconstructing test images")
    return {"dataset": version.dataset, "model_version": version.id, "count": count, "seed": param_seed(params)}
