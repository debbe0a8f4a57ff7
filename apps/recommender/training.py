"""The worker side of `train recommender`: ratings from the database → model → artifacts.

Imported only by workers (and `train --sync`): it uses torch through the ml package.
"""

from __future__ import annotations

import numpy as np

from apps.core.artifacts import artifact_write
from apps.core.device import device_resolve
from apps.core.services import model_version_create
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

    dataset = Dataset.objects.get(slug=job.params["dataset"])
    model_name = job.params["model"]
    overrides = dict(job.params.get("config") or {})
    activate = bool(overrides.pop("activate", True))
    config = TrainConfig.from_dict({**overrides, "model": model_name})
    reporter.update(progress=0.01, message=f"Loading {dataset.n_ratings} ratings")
    user_index, item_index, rating, user_pk, item_pk = ratings_arrays(dataset)

    def on_epoch(entry: dict) -> None:
        fraction = entry["epoch"] / max(1, entry.get("epochs") or 1)
        shown = ", ".join(f"{k} {v:.4f}" for k, v in entry.items() if isinstance(v, float) and k != "seconds")
        reporter.update(progress=0.02 + 0.9 * fraction, message=f"epoch {entry['epoch']}: {shown}", epoch=entry)

    device = device_resolve()
    result = recommender_train(
        user_index, item_index, rating, len(user_pk), len(item_pk), config, device=device, on_epoch=on_epoch
    )
    reporter.update(progress=0.95, message="Saving the model and the serving arrays")
    folder = f"recommender/{dataset.slug}/{job.id}"
    checkpoint = artifact_write(f"{folder}/model.pt", lambda path: torch.save(result.state, path))
    serving_arrays = {
        **result.serving,
        "db_user_ids": user_pk.astype(np.int64),
        "db_item_ids": item_pk.astype(np.int64),
    }
    serving = artifact_write(f"{folder}/serving.npz", lambda path: np.savez(path, **serving_arrays))
    version = model_version_create(
        kind="recommender",
        dataset=dataset.slug,
        name=model_name,
        config={**result.config, "overrides": overrides, "device": device},
        metrics=result.metrics,
        baselines=result.baselines,
        history=result.history,
        artifacts={"checkpoint": checkpoint, "serving": serving},
        job=job,
        card=(
            f"{model_name} on {dataset.name} ({dataset.n_users} users, {dataset.n_items} items, "
            f"{dataset.n_ratings} ratings); best epoch {result.best_epoch}; trained on {device}; "
            f"reproduce: manage.py train recommender --dataset {dataset.slug} --model {model_name}"
            + "".join(f" --set {k}={v}" for k, v in overrides.items())
        ),
        activate=activate,
        user=job.created_by,
    )
    return {
        "model_version": version.id,
        "version": version.version,
        "metrics": result.metrics,
        "baselines": result.baselines,
        "activated": activate,
    }
