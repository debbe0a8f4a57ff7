"""The inpaint app's part of `seed_demo`: the shipped weights, else quick training jobs.

The committed checkpoints in apps/inpaint/weights (the items model and the photo model) are
registered and made active where their data set has no active inpainter. A data set still without
one gets a time-boxed training job when its data is on this machine (seed_demo downloads nothing):
Fashion-MNIST for the items model, Train400 for the photo model.
"""

from __future__ import annotations

from apps.core import services as core_services
from apps.core.errors import ApplicationError
from apps.core.ml.image_datasets import dataset_available
from apps.core.ml.photos import dataset_dir
from apps.core.selectors import job_active
from apps.inpaint import selectors
from apps.inpaint.slots import ITEM_DATASET, PHOTO_DATASET, TRAIN_JOB_KIND, TRAINING

# Time budgets of the quick trainings (the model cards say what the full ones reach).
QUICK = {ITEM_DATASET: {"seconds": 60}, PHOTO_DATASET: {"seconds": 180}}
PHOTO_FOLDER = "Train400"


def demo_seed(*, out, train: bool = True) -> None:
    from apps.inpaint.shipped import inpainter_weights_register

    try:
        registered = inpainter_weights_register()
    except (OSError, ValueError) as exc:  # a damaged or mismatched shipped file: say so, train instead
        out.write(f"Inpaint: the shipped weights could not be registered: {exc}")
        registered = []
    for version in registered or ():
        out.write(f"Inpaint: shipped weights registered: {version}")
    for dataset in (ITEM_DATASET, PHOTO_DATASET):
        if selectors.inpainter_active(dataset) is None and train:
            _quick_training(dataset, out=out)


def _quick_training(dataset: str, *, out) -> None:
    if job_active(kind=TRAIN_JOB_KIND, dataset=dataset) is not None:
        return
    present = dataset_available(dataset) if dataset == ITEM_DATASET else dataset_dir(PHOTO_FOLDER) is not None
    if not present:
        out.write(f"Inpaint: {dataset} not found here, so its model waits for "
                  f"`{selectors.train_command(dataset)}`.")  # fmt: skip
        return
    try:
        job = core_services.training_job_start(kind=TRAINING, dataset=dataset, config=dict(QUICK[dataset]))
    except ApplicationError as exc:
        out.write(f"Inpaint: the quick training on {dataset} did not start: {exc.message}")
        return
    out.write(f"Inpaint: no shipped weights for {dataset}; started a quick training job: /jobs/{job.id}/")
