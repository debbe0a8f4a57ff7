"""Validators of the gallery's job params, run in the web process before anything is queued.

They are the JobKind validators (apps.core.jobkinds), so every way of starting a job — API,
admin, `train vae`, seed_demo — is checked the same way. No torch: config.py and datasets.py
are plain Python/NumPy.
"""

from __future__ import annotations

import math
import re
import secrets

from rest_framework.exceptions import NotFound

from apps.core.errors import Conflict, InvalidInput
from apps.core.models import ModelVersion
from apps.gallery import selectors
from apps.gallery.ml.config import DaeConfig, VaeConfig
from apps.gallery.ml.datasets import label_parse
from apps.gallery.models import ImageKind
from apps.gallery.roles import (
    DATASETS,
    DEFAULT_MODEL,
    ROLE_CONDITIONAL,
    ROLE_DAE,
    ROLE_DEFAULT,
    ROLE_LATENT2D,
    ROLES,
    TRAINABLE,
)

COUNT_MAX = 64
TEMPERATURE_MAX = 3.0
STEPS_MIN, STEPS_MAX = 2, 16
GRID_MIN, GRID_MAX = 2, 32
RECONSTRUCT_MAX = 32
SEED_MAX = 2**31 - 1
# Settings of the training job itself, not of the model (VaeConfig holds those).
JOB_OPTIONS = ("activate", "train_count", "test_count", "iwae_k")
MODEL_FOR_ROLE = {ROLE_DEFAULT: "conv", ROLE_CONDITIONAL: "conditional", ROLE_LATENT2D: "latent2d", ROLE_DAE: "dae"}
INTERPOLATABLE = (ImageKind.SAMPLE, ImageKind.INTERPOLATION, ImageKind.RECONSTRUCTION, ImageKind.ORIGINAL)


def _int(params: dict, key: str, default: int | None, low: int, high: int, *, prefix: str = "") -> int | None:
    value = params.get(key, default)
    field = prefix + key
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        else:
            raise InvalidInput(field, f"must be an integer in {low}..{high}")
    if not low <= value <= high:
        raise InvalidInput(field, f"must be in {low}..{high}, not {value}")
    return value


def _dataset(params: dict) -> str:
    dataset = params.get("dataset") or selectors.gallery_dataset_default()
    if dataset not in DATASETS:
        raise InvalidInput("dataset", f"must be one of {', '.join(DATASETS)}, not {dataset!r}")
    return dataset


def _model_for(params: dict, *, dataset: str, role: str, what: str) -> ModelVersion:
    """The version named in params (a retried job keeps its model), else the active one for the role."""
    if params.get("model_version"):
        version = ModelVersion.objects.filter(id=params["model_version"], kind__in=ROLES).first()
        if version is None:
            raise NotFound(f"No gallery model version {params['model_version']}.")
        return version
    version = selectors.gallery_model_active(dataset=dataset, role=role)
    if version is None:
        raise Conflict(
            f"No active {role} model for {dataset} yet, so {what} is not possible: "
            f"train one with `manage.py train vae --dataset {dataset} --model "
            f"{MODEL_FOR_ROLE[role]}` "
            "or run seed_demo."
        )
    return version


def _seed(params: dict) -> int:
    # Drawn here, not in the worker, so a retried job makes the same images.
    seed = _int(params, "seed", None, 0, SEED_MAX)
    return secrets.randbelow(SEED_MAX) if seed is None else seed


def training_params_validate(params: dict) -> dict:
    """{"dataset", "model", "config"} for `train vae`, with defaults; 400 naming the bad setting."""
    dataset = params.get("dataset") or "fashion-mnist"
    if dataset not in DATASETS:
        raise InvalidInput("dataset", f"must be one of {', '.join(DATASETS)}, not {dataset!r}")
    model = params.get("model") or DEFAULT_MODEL
    if model not in TRAINABLE:
        raise InvalidInput("model", f"must be one of {', '.join(TRAINABLE)}, not {model!r}")
    config = params.get("config") or {}
    if not isinstance(config, dict):
        raise InvalidInput("config", "must be an object of training settings")
    if "activate" in config and not isinstance(config["activate"], bool):
        raise InvalidInput("config.activate", "must be true or false")
    _int(config, "train_count", None, 64, 10_000_000, prefix="config.")
    _int(config, "test_count", None, 1, 10_000_000, prefix="config.")
    _int(config, "iwae_k", 100, 0, 5000, prefix="config.")
    model_settings = {k: v for k, v in config.items() if k not in JOB_OPTIONS}
    for key in ("dataset", "model"):
        if key in model_settings:
            raise InvalidInput("config", f"name the {key} in '{key}', not inside 'config'")
    if "latent" in model_settings:  # the short spelling people type: --set latent=8
        model_settings["latent_dim"] = model_settings.pop("latent")
        config = {**{k: v for k, v in config.items() if k != "latent"}, "latent_dim": model_settings["latent_dim"]}
    try:
        if model == "dae":
            DaeConfig.from_dict({**model_settings, "dataset": dataset})
        else:
            VaeConfig.from_dict({**model_settings, "dataset": dataset, "model": model})
    except (ValueError, TypeError) as exc:
        key = str(exc).split(":", 1)[0]
        raise InvalidInput(f"config.{key}" if re.fullmatch(r"\w+", key) else "config", str(exc)) from None
    return {"dataset": dataset, "model": model, "config": config}


def generate_params_validate(params: dict) -> dict:
    """N samples: count 1..64, temperature in (0, 3], optional label (a conditional model then)."""
    dataset = _dataset(params)
    count = _int(params, "count", 16, 1, COUNT_MAX)
    temperature = params.get("temperature", 1.0)
    if temperature is None:
        temperature = 1.0
    if isinstance(temperature, bool) or not isinstance(temperature, int | float) or not math.isfinite(temperature):
        raise InvalidInput("temperature", f"must be a number in (0, {TEMPERATURE_MAX:g}]")
    if not 0 < temperature <= TEMPERATURE_MAX:
        raise InvalidInput("temperature", f"must be in (0, {TEMPERATURE_MAX:g}], not {temperature}")
    label = params.get("label")
    label_index = None
    if label not in (None, ""):
        if isinstance(label, bool) or not isinstance(label, int | str) or len(str(label)) > 64:
            raise InvalidInput("label", "must be a class name or index")
        try:
            label_index = label_parse(dataset, label)
        except ValueError as exc:
            raise InvalidInput("label", str(exc).removeprefix("label: ")) from None
    role = ROLE_CONDITIONAL if label_index is not None else ROLE_DEFAULT
    version = _model_for(params, dataset=dataset, role=role, what="generating" + (" by label" if label else ""))
    if label_index is not None and version.kind != ROLE_CONDITIONAL:
        raise InvalidInput("label", f"model version {version.id} is not class-conditional")
    return {
        "dataset": version.dataset,
        "model_version": version.id,
        "count": count,
        "seed": _seed(params),
        "temperature": float(temperature),
        "label": label_index,
    }


def interpolate_params_validate(params: dict) -> dict:
    """Two images of the same model version (404 when unknown), 2..16 steps between them."""
    steps = _int(params, "steps", 8, STEPS_MIN, STEPS_MAX)
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
        if image.model_version.kind not in (ROLE_DEFAULT, ROLE_CONDITIONAL, ROLE_LATENT2D):
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
    grid = _int(params, "grid", 20, GRID_MIN, GRID_MAX)
    span = params.get("span", 2.5)
    if isinstance(span, bool) or not isinstance(span, int | float) or not 0 < span <= 10:
        raise InvalidInput("span", "must be a number in (0, 10]")
    version = _model_for(params, dataset=dataset, role=ROLE_LATENT2D, what="drawing the latent map")
    if version.kind != ROLE_LATENT2D:
        raise InvalidInput("model_version", f"model version {version.id} does not have a 2-D latent space")
    return {"dataset": version.dataset, "model_version": version.id, "grid": grid, "span": float(span)}


def reconstruct_params_validate(params: dict) -> dict:
    dataset = _dataset(params)
    count = _int(params, "count", 8, 1, RECONSTRUCT_MAX)
    version = _model_for(params, dataset=dataset, role=ROLE_DEFAULT, what="reconstructing test images")
    return {"dataset": version.dataset, "model_version": version.id, "count": count, "seed": _seed(params)}


def denoise_demo_params_validate(params: dict) -> dict:
    """Noisy test images and the denoising autoencoder's output: count 1..32, noise_std in (0, 1]."""
    dataset = _dataset(params)
    count = _int(params, "count", 8, 1, RECONSTRUCT_MAX)
    noise = params.get("noise_std")
    if noise is not None and (isinstance(noise, bool) or not isinstance(noise, int | float) or not 0 < noise <= 1):
        raise InvalidInput("noise_std", "must be a number in (0, 1]")
    version = _model_for(params, dataset=dataset, role=ROLE_DAE, what="the denoising demo")
    if version.kind != ROLE_DAE:
        raise InvalidInput("model_version", f"model version {version.id} is not a denoising autoencoder")
    return {
        "dataset": version.dataset,
        "model_version": version.id,
        "count": count,
        "noise_std": None if noise is None else float(noise),
        "seed": _seed(params),
    }
