"""The worker side of `train recommender`: ratings from the database → model → artifacts.

Imported only by workers (and `train --sync`): it uses torch through the ml package.
"""

from __future__ import annotations

import numpy as np

from apps.core.training import TrainingRun
from apps.recommender.models import Dataset, DatasetUser, Item, Rating


def _pk_to_index(pks: np.ndarray) -> np.ndarray:
    """A lookup array: position pk holds the row/column index of that database row."""
    lookup = np.full(int(pks.max(initial=0)) + 1, -1, dtype=np.int32)
    lookup[pks] = np.arange(len(pks), dtype=np.int32)
    return lookup


def ratings_arrays(dataset: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(user index, item index, rating) per rating, and the database ids of users and items by index."""
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
    user_index, item_index, rating, user_pk, item_pk = ratings_arrays(dataset)

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
    # The job's result keeps the `train --sync` contract (DESIGN.md): model_version, version,
    # metrics, baselines, activated.
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
    )
