"""Which model is in use: the photo denoiser prefers Train400, the 28×28 autoencoders stay out of it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.core.models import Job, JobStatus
from apps.core.services import model_version_activate, model_version_create
from apps.denoise.selectors import dae_active, dae_demo_latest, denoiser_active, home_card_lines
from tests.integration.denoise.conftest import tiny_dae_register

pytestmark = pytest.mark.django_db


def photo_version(dataset: str, *, activate: bool = True):
    return model_version_create(
        kind="denoiser", dataset=dataset, name="unet", config={}, metrics={}, artifacts={}, activate=activate
    )


def test_denoiser_active_prefers_train400_over_samples_and_ignores_the_dae():
    assert denoiser_active() is None
    fashion = tiny_dae_register("fashion-mnist")
    assert denoiser_active() is None  # the 28×28 autoencoder is active, but it is no photo denoiser
    samples = photo_version("samples")
    assert denoiser_active() == samples
    train400 = photo_version("train400")
    assert denoiser_active() == train400
    model_version_activate(model_version=samples)  # the samples' pointer moved last...
    tiny_dae_register("mnist")  # ...and then a DAE's
    assert denoiser_active() == train400  # ...Train400 still wins
    assert dae_active("fashion-mnist") == fashion and dae_active("train400") is None


def test_dae_active_is_per_data_set():
    assert dae_active("fashion-mnist") is None
    mnist = tiny_dae_register("mnist")
    assert dae_active("mnist") == mnist and dae_active("fashion-mnist") is None
    tiny_dae_register("mnist", activate=False)
    assert dae_active("mnist") == mnist


def test_latest_demo_is_the_last_that_succeeded_for_the_data_set():
    def demo_job(dataset: str, status: str, minutes: int) -> Job:
        return Job.objects.create(
            kind="denoise.demo",
            status=status,
            params={"dataset": dataset},
            finished_at=timezone.now() - timezone.timedelta(minutes=minutes),
        )

    older = demo_job("fashion-mnist", JobStatus.SUCCEEDED, 10)
    demo_job("fashion-mnist", JobStatus.FAILED, 1)
    mnist = demo_job("mnist", JobStatus.SUCCEEDED, 0)
    assert dae_demo_latest(dataset="fashion-mnist") == older
    assert dae_demo_latest(dataset="mnist") == mnist and dae_demo_latest() == mnist


def test_home_card_names_the_photo_model_and_the_training():
    photo_version("train400")
    tiny_dae_register("fashion-mnist")
    Job.objects.create(kind="train.denoiser", status=JobStatus.RUNNING, progress=0.5,
                       params={"dataset": "fashion-mnist", "model": "dae"})  # fmt: skip
    lines = home_card_lines()
    assert lines[0].startswith("Model: unet v1 trained on train400")
    assert lines[1] == "Training (dae): running, 50%"
