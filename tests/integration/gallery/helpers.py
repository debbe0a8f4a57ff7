"""Tiny gallery models for tests: real data, real training code, seconds to train."""

from __future__ import annotations

from apps.core import services as core_services
from apps.core.models import ModelVersion
from apps.core.runner import job_execute

# One epoch on 512 images of a 4-channel net: enough to decode images, quick enough for every test.
TINY = {"epochs": 1, "train_count": 512, "test_count": 64, "iwae_k": 2, "width": 4, "hidden": 16}


def train_tiny(model: str = "conv", dataset: str = "fashion-mnist", **config) -> ModelVersion:
    """Train in this process (as `train vae --sync` does) and return the new, active version."""
    settings = {**TINY, **config}
    job = core_services.training_job_start(kind="vae", dataset=dataset, model=model, config=settings, enqueue=False)
    job = job_execute(job_id=job.id)
    assert job.status == "succeeded", job.error
    return ModelVersion.objects.get(id=job.result["model_version"])


def fake_version(slot: str = "default", dataset: str = "fashion-mnist", name: str = "conv", activate: bool = True):
    """A registered version without a file: enough for validation, which never loads the model."""
    version = core_services.model_version_create(
        kind="vae", slot=slot, dataset=dataset, name=name, config={}, metrics={}, artifacts={}
    )
    if activate:
        core_services.model_version_activate(model_version=version)
    return version
