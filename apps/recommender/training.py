"""The worker side of `train recommender`: ratings (cached arrays, else the database) → model → artifacts.

Imported only by workers (and `train --sync`): it uses torch through the ml package. A new
version replaces the active one only when its validation NDCG@100 is higher (`activation_decide`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from apps.core.selectors import model_version_active
from apps.core.training import ACTIVATE, TrainingRun
from apps.recommender.models import Dataset, DatasetUser, Item, Rating
from apps.recommender.ratings_cache import RatingsArrays, ratings_cache_read, ratings_cache_write

VALIDATION_KEY = "ndcg@100"


def _pk_to_index(pks: np.ndarray) -> np.ndarray:
    """A lookup array: position pk holds the row/column index of that database row."""
    lookup = np.full(int(pks.max(initial=0)) + 1, -1, dtype=np.int32)
    lookup[pks] = np.arange(len(pks), dtype=np.int32)
    return lookup


def ratings_arrays(dataset: Dataset) -> RatingsArrays:
    """(user index, item index, rating) per rating, and the database ids of users and items by index:
    from the import's cached arrays, else from the database (then cached for the next training)."""
    cached = ratings_cache_read(dataset)
    if cached is not None:
        return cached
    arrays = ratings_arrays_from_db(dataset)
    ratings_cache_write(dataset, arrays)
    return arrays


def ratings_arrays_from_db(dataset: Dataset) -> RatingsArrays:
    """The same arrays read through the ORM (a data set imported before the cache existed)."""
    user_pk = np.array(DatasetUser.objects.filter(dataset=dataset).order_by("index").values_list("pk", flat=True))
    item_pk = np.array(Item.objects.filter(dataset=dataset).order_by("index").values_list("pk", flat=True))
    rows = Rating.objects.filter(dataset=dataset).values_list("user_id", "item_id", "rating")
    table = np.array(list(rows), dtype=np.float64).reshape(-1, 3)
    user_index = _pk_to_index(user_pk)[table[:, 0].astype(np.int64)]
    item_index = _pk_to_index(item_pk)[table[:, 1].astype(np.int64)]
    return user_index, item_index, table[:, 2].astype(np.float32), user_pk, item_pk


def recommender_train_job(job, reporter) -> dict:
    import torch

    from apps.recommender.ml.train import TrainConfig, recommender_train

    run = TrainingRun(job, reporter, training="recommender")
    dataset = Dataset.objects.get(slug=run.dataset)
    config = TrainConfig.from_dict({**run.settings, "model": run.model})
    run.progress(0.01, f"Loading {dataset.n_ratings} ratings")
    started = time.perf_counter()
    user_index, item_index, rating, user_pk, item_pk = ratings_arrays(dataset)
    load_seconds = time.perf_counter() - started

    def describe(entry: dict) -> str:
        shown = ", ".join(f"{k} {v:.4f}" for k, v in entry.items() if isinstance(v, float) and k != "seconds")
        return f"epoch {entry['epoch']}: {shown}"

    result = recommender_train(
        user_index,
        item_index,
        rating,
        len(user_pk),
        len(item_pk),
        config,
        device=run.device,
        on_epoch=run.epoch_reporter(0.02, 0.92, describe),
    )
    run.progress(0.95, "Saving the model and the serving arrays")
    checkpoint = run.artifact_write("model.pt", lambda path: torch.save(result.state, path))
    serving_arrays = {
        **result.serving,
        "db_user_ids": user_pk.astype(np.int64),
        "db_item_ids": item_pk.astype(np.int64),
    }
    serving = run.artifact_write("serving.npz", lambda path: np.savez(path, **serving_arrays))
    run.activate, why = activation_decide(
        job_config=job.params.get("config") or {}, dataset=dataset.slug, validation=result.validation
    )
    run.progress(0.97, why)
    # The job's result keeps the `train --sync` contract (DESIGN.md): model_version, version,
    # metrics, baselines, activated; `activation` says why it was (not) activated.
    return run.register(
        kind="recommender",
        config=result.config,
        metrics=result.metrics,
        baselines=result.baselines,
        history=result.history,
        artifacts={"checkpoint": checkpoint, "serving": serving},
        card=(
            f"{run.model} on {dataset.name} ({dataset.n_users} users, {dataset.n_items} items, "
            f"{dataset.n_ratings} ratings); best epoch {result.best_epoch}"
        ),
        validation=result.validation,
        activation=why,
        load_seconds=round(load_seconds, 3),
    )


def activation_decide(*, job_config: dict[str, Any], dataset: str, validation: dict[str, float]) -> tuple[bool, str]:
    """Whether a new version becomes the active one, and why.

    The job's explicit `activate` wins (false: never; true: always, as an admin asked). Otherwise
    the new version is activated when there is no active one, when the active one records no
    validation figure (it predates them), or when the new validation NDCG@100 is higher; else it
    is kept, inactive, for an admin to activate by hand. Validation users, not test users: the test
    figures stay an unbiased report of whatever is chosen.
    """
    explicit = job_config.get(ACTIVATE)
    if explicit is False:
        return False, "Kept inactive: the job asked for activate=false."
    if explicit is True:
        return True, "Activated: the job asked for activate=true."
    ours = validation.get(VALIDATION_KEY)
    active = model_version_active(kind="recommender", dataset=dataset)
    if active is None:
        return True, "Activated: no model was active for this data set."
    theirs = ((active.config or {}).get("validation") or {}).get(VALIDATION_KEY)
    label = f"the active v{active.version} ({active.name})"
    if theirs is None:
        return True, f"Activated: {label} records no validation NDCG@100."
    if ours is None:
        return False, f"Kept inactive: this version records no validation NDCG@100 to compare with {label}."
    if ours > theirs:
        return True, f"Activated: validation NDCG@100 {ours:.4f} beats {theirs:.4f} of {label}."
    return False, f"Kept inactive: validation NDCG@100 {ours:.4f} does not beat {theirs:.4f} of {label}."
