"""Validator of the 28×28 demo job's params, run in the web process before anything is stored or queued.

It is the `denoise.demo` JobKind's validator, so the API, the deprecated gallery path and any
other caller are checked the same way. The limits are the ones the API's serializer shows.
"""

from __future__ import annotations

from apps.core.errors import Conflict, InvalidInput
from apps.core.params import param_int, param_number, param_seed
from apps.denoise import selectors
from apps.denoise.ml.config import DAE_DATASETS

DEMO_DEFAULT_DATASET = DAE_DATASETS[0]
DEMO_COUNT_MIN, DEMO_COUNT_MAX, DEMO_COUNT_DEFAULT = 1, 32, 8
NOISE_STD_MAX = 1.0  # on intensities in [0, 1]; the lower bound 0 is excluded


def demo_params_validate(params: dict) -> dict:
    """{"dataset", "model_version", "count", "noise_std", "seed"}: noisy test images and the DAE's output.

    The model is the one named in params (a retried job keeps its model), else the data set's active
    demo autoencoder; without one, a Conflict says how to train it.
    """
    dataset = params.get("dataset") or DEMO_DEFAULT_DATASET
    if dataset not in DAE_DATASETS:
        raise InvalidInput("dataset", f"must be one of {', '.join(DAE_DATASETS)}, not {dataset!r}")
    count = param_int(params, "count", default=DEMO_COUNT_DEFAULT, low=DEMO_COUNT_MIN, high=DEMO_COUNT_MAX)
    noise_std = param_number(params, "noise_std", default=None, high=NOISE_STD_MAX)  # null: the trained noise
    seed = param_seed(params)
    if params.get("model_version") is not None:
        version = selectors.dae_get(version_id=params["model_version"])
    else:
        version = selectors.dae_active(dataset)
        if version is None:
            raise Conflict(
                f"No denoising autoencoder is active for {dataset} yet, so the 28×28 demo is not possible: "
                f"train one with `manage.py train denoiser --model dae --dataset {dataset}`."
            )
    return {
        "dataset": version.dataset,
        "model_version": version.id,
        "count": count,
        "noise_std": noise_std,
        "seed": seed,
    }
