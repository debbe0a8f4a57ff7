"""The validator of `train representation`, run in the web process before anything is queued (no torch).

It is the Training validator of the app's contract, so every way of starting a training — the
API, the admin's retrain, `manage.py train representation`, seed_demo — is checked the same way.
"""

from __future__ import annotations

from typing import Any

from apps.core.params import int_option
from apps.core.training import dataset_choice, training_params_check
from apps.representations.ml.config import DATASETS, RepresentationConfig
from apps.representations.slots import DEFAULT_DATASET, DEFAULT_MODEL, SLOTS


def bool_option(value: Any) -> bool:
    """true or false (JSON booleans; `--set probe=false` reads as one)."""
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


# Settings of the training job itself, not of the model (RepresentationConfig holds those, the
# number of training images among them).
TRAINING_OPTIONS = {
    "test_count": int_option(100, 10_000_000, strings=True),  # the first N test images
    "probe": bool_option,  # measure the linear probes and k-NN (minutes on 60,000 codes)
    "draws": int_option(1, 100, strings=True),  # label draws per probe size (the ± of the probes)
}


def training_params_validate(params: dict) -> dict:
    """{"dataset", "model", "config"} for `train representation`, with defaults; InvalidInput naming the setting."""
    return training_params_check(
        params,
        dataset_resolve=dataset_choice(DATASETS, DEFAULT_DATASET),
        models=SLOTS,
        default_model=DEFAULT_MODEL,
        config_check=lambda dataset, model, settings: RepresentationConfig.from_dict(
            {**settings, "dataset": dataset, "model": model}
        ),
        options=TRAINING_OPTIONS,
    )
