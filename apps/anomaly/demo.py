"""The anomaly app's part of `seed_demo`: a quick one-class conv autoencoder per Fashion-MNIST class.

Only when Fashion-MNIST is already on this machine (seed_demo downloads nothing), and only when no
one-class model is active or training. Tables and series need nothing: the page fits what a visitor
brings (or the shipped examples) on demand.
"""

from __future__ import annotations

from apps.anomaly import selectors
from apps.anomaly.slots import DEFAULT_IMAGE_DATASET, TRAIN_JOB_KIND
from apps.core import services as core_services
from apps.core.errors import ApplicationError
from apps.core.ml.image_datasets import dataset_available
from apps.core.selectors import job_active

# Part of a first run that should show every demo within a minute: 3 s per class, the two fastest baselines, and
# the first 2,000 test images scored (scoring all 10,000 with every detector took most of the job's two minutes).
# 61 s of wall time on 2 busy CPU cores, mean ROC-AUC 0.890 (0.896 with 4 s per class and every test image);
# the model card says what ran, and `train anomaly` with the defaults makes the full-size one (60 s per class).
QUICK = {"seconds": 3, "train_count": 2000, "test_count": 2000, "baselines": ["pca", "iforest"]}


def demo_seed(*, out, train: bool = True) -> None:
    dataset, model = DEFAULT_IMAGE_DATASET, "conv"
    if not train or selectors.image_version_active(dataset=dataset, model=model) is not None:
        return
    if job_active(kind=TRAIN_JOB_KIND, dataset=dataset, model=model) is not None:
        return
    if not dataset_available(dataset):
        out.write(f"Anomaly: {dataset} not found here, so the images tab waits for "
                  f"`manage.py train anomaly --dataset {dataset}` (it downloads the data).")  # fmt: skip
        return
    try:
        job = core_services.training_job_start(kind="anomaly", dataset=dataset, model=model, config=dict(QUICK))
    except ApplicationError as exc:
        out.write(f"Anomaly: the quick one-class training did not start: {exc.message}")
        return
    out.write(f"Anomaly: started a quick one-class conv autoencoder per {dataset} class (/jobs/{job.id}/)")
