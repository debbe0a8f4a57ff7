"""The denoise app's part of `seed_demo`: shipped photo weights, and a quick 28×28 autoencoder when the data is here."""

from __future__ import annotations

import io

import pytest

from apps.core.models import Job
from apps.denoise import demo
from apps.denoise.selectors import denoiser_active
from apps.denoise.training_config import training_params_validate
from tests.conftest import DATA_DIR
from tests.integration.denoise.conftest import tiny_dae_register, tiny_weights_write

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list:
    """Jobs seed_demo queues, caught before the broker (no Redis of anyone else's gets a message)."""
    queued: list = []
    monkeypatch.setattr("apps.core.services.job_enqueue", lambda *, job: queued.append(job))
    return queued


def test_quick_configs_are_valid_training_requests():
    training_params_validate({"model": "unet", "config": dict(demo.QUICK_CONFIG)})
    training_params_validate({"model": "dae", "config": dict(demo.QUICK_DAE_CONFIG)})


def test_seed_registers_shipped_weights_and_starts_one_quick_dae(sent, tmp_path, monkeypatch):
    if not (DATA_DIR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    monkeypatch.setenv("AEWEB_DATA_DIR", str(DATA_DIR))
    monkeypatch.setattr(demo, "WEIGHTS_DIR", tiny_weights_write(tmp_path / "w"))
    out = io.StringIO()
    demo.demo_seed(out=out, train=True)
    assert denoiser_active() is not None and "registered the shipped weights" in out.getvalue()
    assert [(j.kind, j.params["model"], j.params["dataset"]) for j in sent] == [
        ("train.denoiser", "dae", "fashion-mnist")
    ]
    demo.demo_seed(out=io.StringIO(), train=True)  # run again: the quick training is still queued
    assert len(sent) == 1 and Job.objects.count() == 1


def test_seed_leaves_a_chosen_dae_and_never_trains_without_train(sent, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "WEIGHTS_DIR", tmp_path / "none")
    demo.demo_seed(out=io.StringIO(), train=False)
    assert sent == [] and not Job.objects.exists()
    tiny_dae_register("fashion-mnist")
    monkeypatch.setattr(demo, "dataset_available", lambda name: pytest.fail("looked for data it does not need"))
    demo.dae_seed(out=io.StringIO(), train=True)
    assert sent == []


def test_seed_without_fashion_mnist_says_what_to_run(sent, monkeypatch):
    monkeypatch.setattr(demo, "dataset_available", lambda name: False)
    out = io.StringIO()
    demo.dae_seed(out=out, train=True)
    assert sent == [] and "manage.py train denoiser --model dae --dataset fashion-mnist" in out.getvalue()
