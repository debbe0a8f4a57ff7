"""The anomaly app's part of `seed_demo`: one-class conv autoencoders per Fashion-MNIST class.

Only when Fashion-MNIST is already on this machine (seed_demo downloads nothing), and only when no
one-class model is active: the shipped detectors (apps/anomaly/weights) when there are, else a quick
training (when none is queued). Tables and series need nothing: the page fits what a visitor
brings (or the shipped examples) on demand.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from apps.anomaly import selectors
from apps.anomaly.shipped import anomaly_weights_register, weights_meta
from apps.anomaly.slots import DEFAULT_IMAGE_DATASET, TRAIN_JOB_KIND
from apps.core import services as core_services
from apps.core.errors import ApplicationError
from apps.core.ml.image_datasets import dataset_available, dataset_load
from apps.core.selectors import job_active

# Part of a first run that should show every demo within a minute: 3 s per class, the two fastest baselines, and
# the first 2,000 test images scored (scoring all 10,000 with every detector took most of the job's two minutes).
# 61 s of wall time on 2 busy CPU cores, mean ROC-AUC 0.890 (0.896 with 4 s per class and every test image);
# the model card says what ran, and `train anomaly` with the defaults makes the full-size one (60 s per class).
QUICK = {"seconds": 3, "train_count": 2000, "test_count": 2000, "baselines": ["pca", "iforest"]}


def demo_seed(*, out, train: bool = True) -> None:
    dataset, model = DEFAULT_IMAGE_DATASET, "conv"
    if selectors.image_version_active(dataset=dataset, model=model) is not None:
        return
    if not dataset_available(dataset):
        if train:
            out.write(f"Anomaly: {dataset} not found here, so the images tab waits for "
                      f"`manage.py train anomaly --dataset {dataset}` (it downloads the data).")  # fmt: skip
        return
    if shipped_register(dataset, out=out):
        return
    if not train or job_active(kind=TRAIN_JOB_KIND, dataset=dataset, model=model) is not None:
        return
    try:
        job = core_services.training_job_start(kind="anomaly", dataset=dataset, model=model, config=dict(QUICK))
    except ApplicationError as exc:
        out.write(f"Anomaly: the quick one-class training did not start: {exc.message}")
        return
    out.write(f"Anomaly: started a quick one-class conv autoencoder per {dataset} class (/jobs/{job.id}/)")


def shipped_register(dataset: str, *, out, folder: Path | None = None) -> bool:
    """Register the shipped detectors of `dataset` (apps/anomaly/weights); whether they are now there."""
    meta = weights_meta(folder)
    if meta is None or meta["dataset"] != dataset:
        return False
    try:
        test_images, _ = dataset_load(dataset, "test", data_dir=settings.AEWEB_DATA_DIR or None, download=False)
        version = anomaly_weights_register(test_images, folder=folder)
    except (OSError, ValueError) as exc:
        out.write(f"Anomaly: the shipped detectors were not used: {exc}")
        return False
    out.write(f"Anomaly: the shipped one-class detectors are registered ({version.name} v{version.version})")
    return True
