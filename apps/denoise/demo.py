"""The denoise app's part of `seed_demo`.

The photo denoiser: the shipped weights when committed, else a quick training job. The 28×28 demo
autoencoder: no weights are shipped, but it is cheap, so a time-boxed training job (about 15 s
on a 2-core CPU, about 30 CPU-seconds; seconds on a GPU) starts when Fashion-MNIST is already on
this machine; seed_demo downloads nothing.
"""

from __future__ import annotations

from apps.core import services as core_services
from apps.core.errors import ApplicationError
from apps.core.ml.image_datasets import dataset_available
from apps.core.selectors import job_active
from apps.denoise.ml.config import DAE_DATASETS, PHOTO_DATASETS
from apps.denoise.selectors import TRAIN_KIND, dae_active, denoiser_active
from apps.denoise.services import WEIGHTS_DIR, denoiser_weights_register

# A few minutes on a 2-core CPU: a small net, patches of Train400 (or the samples), time-boxed.
QUICK_CONFIG = {"width": 24, "epochs": 40, "patches_per_epoch": 1024, "batch_size": 16, "max_seconds": 180}
# Two epochs on 8,000 images, about 7 s each on a 2-core CPU (stopped after the epoch that passes
# 15 s on a slower one). Enough to see the noise go: test PSNR about 16 dB from 12.8 dB noisy.
QUICK_DAE_CONFIG = {"epochs": 2, "train_count": 8000, "test_count": 1000, "max_seconds": 15}


def demo_seed(*, out, train: bool = True) -> None:
    photo_denoiser_seed(out=out, train=train)
    dae_seed(out=out, train=train)


def photo_denoiser_seed(*, out, train: bool) -> None:
    active = denoiser_active()
    if active is not None:
        out.write(f"Denoiser: {active} is active.")
        return
    version = denoiser_weights_register(folder=WEIGHTS_DIR)
    if version is not None:
        out.write(f"Denoiser: registered the shipped weights in {WEIGHTS_DIR} as {version}.")
        return
    dataset = PHOTO_DATASETS[0]
    if train and job_active(kind=TRAIN_KIND, dataset=dataset, model="unet") is None:
        job = core_services.training_job_start(kind="denoiser", dataset=dataset, config=dict(QUICK_CONFIG))
        out.write(f"Denoiser: no shipped weights; started a quick training job: /jobs/{job.id}/")


def dae_seed(*, out, train: bool) -> None:
    dataset = DAE_DATASETS[0]
    if dae_active(dataset) is not None or not train:
        return
    if not dataset_available(dataset):
        out.write(
            f"Denoise: {dataset} not found here, so the 28×28 demo waits for "
            f"`manage.py train denoiser --model dae --dataset {dataset}` (it downloads the data)."
        )
        return
    if job_active(kind=TRAIN_KIND, dataset=dataset, model="dae") is not None:
        return
    try:
        job = core_services.training_job_start(
            kind="denoiser", dataset=dataset, model="dae", config=dict(QUICK_DAE_CONFIG)
        )
    except ApplicationError as exc:
        out.write(f"Denoise: the 28×28 demo's quick training did not start: {exc.message}")
        return
    out.write(f"Denoise: started a quick training of the 28×28 demo autoencoder: /jobs/{job.id}/")
