"""The representations app's part of `seed_demo`: quick code-2 trainings so the wardrobe has maps.

Only when Fashion-MNIST is already on this machine (seed_demo downloads nothing). Queued in the
order they become useful on the training queue of a 2-core CPU: PCA's map (seconds) with every
app's first model; then, after those, UMAP's, a time-boxed code-2 convolutional autoencoder and a
code-2 VAE (their points decode), then t-SNE. A slot that already has a code-2 map, or a training
of it that is queued or running, is left alone.
"""

from __future__ import annotations

from apps.core import services as core_services
from apps.core.errors import ApplicationError
from apps.core.ml.image_datasets import dataset_available
from apps.core.selectors import job_active
from apps.representations import selectors
from apps.representations.slots import DEFAULT_DATASET, TRAIN_JOB_KIND, slot_title

# Small enough that all of it is done within a few minutes on 2 CPU cores; each says what ran on its
# model card, and `train representation` with the defaults makes the full-size ones.
QUICK = {
    "pca": {"code": 2, "test_count": 10000},
    "umap": {"code": 2, "train_count": 10000, "test_count": 10000},
    "conv": {"code": 2, "epochs": 4, "train_count": 20000, "test_count": 10000, "max_seconds": 60},
    "vae": {"code": 2, "epochs": 4, "train_count": 20000, "test_count": 10000, "max_seconds": 60},
    "tsne": {"code": 2, "test_count": 10000},
}


# PCA's map is there in seconds; the rest take minutes, so they queue after every app's first model.
FIRST = ("pca",)


def demo_seed(*, out, train: bool = True) -> None:
    maps_seed(models=FIRST, out=out, train=train)


def demo_seed_later(*, out, train: bool = True) -> None:
    maps_seed(models=tuple(model for model in QUICK if model not in FIRST), out=out, train=train)


def maps_seed(*, models: tuple[str, ...], out, train: bool) -> None:
    dataset = DEFAULT_DATASET
    have = {v.slot for v in selectors.map_versions(dataset=dataset)}
    missing = [model for model in models if model not in have]
    if not missing or not train:
        return
    if not dataset_available(dataset):
        if "pca" in missing:  # said once, by the first stage
            out.write(
                f"Representations: {dataset} not found here, so the wardrobe waits for "
                f"`manage.py train representation --model pca --set code=2 --dataset {dataset}` "
                "(it downloads the data)."
            )
        return
    started = []
    for model in missing:
        if job_active(kind=TRAIN_JOB_KIND, dataset=dataset, model=model) is not None:
            continue
        try:
            job = core_services.training_job_start(
                kind="representation", dataset=dataset, model=model, config=dict(QUICK[model])
            )
        except ApplicationError as exc:
            out.write(f"Representations: the quick {slot_title(model)} training did not start: {exc.message}")
            continue
        started.append(f"{slot_title(model)} (/jobs/{job.id}/)")
    if started:
        out.write(f"Representations: started quick code-2 trainings on {dataset}: " + ", ".join(started))
