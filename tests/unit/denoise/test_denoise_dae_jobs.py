"""The 28×28 demo's jobs in this process: training (`--model dae`), the demo's PNGs, redelivery, purge."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image

from apps.core.models import ActiveModel, Job, JobStatus
from apps.core.runner import JobReporter, job_execute
from apps.core.services import training_job_start
from apps.denoise.selectors import dae_active
from apps.denoise.services import dae_demo_start, dae_demos_purge
from tests.conftest import DATA_DIR
from tests.integration.denoise.conftest import tiny_dae_register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fashion_mnist(settings):
    if not (DATA_DIR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    settings.AEWEB_DATA_DIR = str(DATA_DIR)
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "denoise-demo", ignore_errors=True)


def demo_files(job_id) -> list[Path]:
    return sorted((Path(settings.MEDIA_ROOT) / "denoise-demo" / str(job_id)).glob("*"))


def test_train_vae_dae_trains_a_denoiser_on_fashion_mnist():
    config = {"width": 8, "epochs": 2, "train_count": 256, "test_count": 50, "val_fraction": 0.1}
    job = training_job_start(kind="vae", model="dae", config=config, enqueue=False)  # the old spelling
    job = job_execute(job_id=job.id)
    assert job.status == "succeeded", job.error
    assert job.kind == "train.denoiser" and [h["epoch"] for h in job.history] == [1, 2]
    result = job.result
    assert {"model_version", "version", "metrics", "activated"} <= set(result) and result["activated"]
    version = dae_active("fashion-mnist")
    assert version.id == result["model_version"] and version.kind == "denoiser" and version.slot == "default"
    assert version.name == "dae" and version.artifacts["checkpoint"]["path"].endswith("/dae.pt")
    assert version.metrics["test_images"] == 50 and version.metrics["train_images"] == 230
    assert version.metrics["test_psnr"] > 0 and version.metrics["test_psnr_noisy"] > 0
    assert "manage.py train denoiser --dataset fashion-mnist --model dae --set width=8" in version.card
    assert not ActiveModel.objects.filter(kind="denoiser", dataset__in=["train400", "samples"]).exists()


def test_demo_writes_grey_pngs_and_a_redelivered_job_adds_nothing():
    version = tiny_dae_register("fashion-mnist")
    job = dae_demo_start(count=3, seed=5, user=None)
    job = job_execute(job_id=job.id)
    assert job.status == "succeeded", job.error
    result = job.result
    assert result["model_version"] == version.id and result["dataset"] == "fashion-mnist"
    assert result["noise_std"] == 0.3  # the model's training level when none is asked for
    assert [im["position"] for im in result["images"]] == [0, 1, 2]
    assert result["psnr_noisy"] > 0 and result["psnr_denoised"] > 0
    names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
    files = demo_files(job.id)
    assert len(files) == 9
    for image in result["images"]:
        assert image["label"] in names
        for row in ("clean", "noisy", "denoised"):
            url = image[f"{row}_url"]
            assert url == f"/media/denoise-demo/{job.id}/{image['position']:02d}-{row}.png"
            with Image.open(Path(settings.MEDIA_ROOT) / url.removeprefix("/media/")) as im:
                assert im.size == (28, 28) and im.mode == "L" and im.format == "PNG"
    before = {p.name: p.read_bytes() for p in files}

    Job.objects.filter(id=job.id).update(status=JobStatus.RUNNING)  # the message delivered again
    job.refresh_from_db()
    from apps.denoise.dae_demo import dae_demo_job

    again = dae_demo_job(job, JobReporter(job))
    assert again == result
    assert {p.name: p.read_bytes() for p in demo_files(job.id)} == before  # same names, same bytes

    # The same seed picks the same images, noise included; another seed others.
    same = job_execute(job_id=dae_demo_start(count=3, seed=5).id)
    other = job_execute(job_id=dae_demo_start(count=3, seed=6).id)
    read = lambda j: [np.asarray(Image.open(p)) for p in demo_files(j.id)]  # noqa: E731
    assert all(np.array_equal(a, b) for a, b in zip(read(job), read(same), strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(read(job), read(other), strict=True))


def test_purge_keeps_each_data_sets_latest_demo():
    tiny_dae_register("fashion-mnist")
    first = job_execute(job_id=dae_demo_start(count=1, seed=1).id)
    latest = job_execute(job_id=dae_demo_start(count=1, seed=2).id)
    assert first.status == latest.status == "succeeded"
    assert dae_demos_purge() == 0  # young
    assert dae_demos_purge(now=timezone.now() + timedelta(hours=25)) == 1
    assert demo_files(first.id) == [] and len(demo_files(latest.id)) == 3
