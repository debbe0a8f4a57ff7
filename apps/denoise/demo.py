"""The denoiser's part of `seed_demo`: the shipped weights when committed, else a quick training job."""

from __future__ import annotations

from apps.core import services as core_services
from apps.core.models import Job
from apps.denoise.selectors import TRAIN_KIND, denoiser_active
from apps.denoise.services import WEIGHTS_DIR, denoiser_weights_register

# A few minutes on a 2-core CPU: a small net, patches of Train400 (or the samples), time-boxed.
QUICK_CONFIG = {"width": 24, "epochs": 40, "patches_per_epoch": 1024, "batch_size": 16, "max_seconds": 180}


def demo_seed(*, out, train: bool = True) -> None:
    if denoiser_active() is not None:
        out.write(f"Denoiser: {denoiser_active()} is active.")
        return
    version = denoiser_weights_register(folder=WEIGHTS_DIR)
    if version is not None:
        out.write(f"Denoiser: registered the shipped weights in {WEIGHTS_DIR} as {version}.")
        return
    busy = Job.objects.filter(kind=TRAIN_KIND, status__in=["queued", "running"]).exists()
    if train and not busy:
        job = core_services.training_job_start(kind="denoiser", dataset="train400", config=dict(QUICK_CONFIG))
        out.write(f"Denoiser: no shipped weights; started a quick training job: /jobs/{job.id}/")
