"""The web-side validators: `train denoiser` for both models, the 28×28 demo job, `train vae --model dae`."""

from __future__ import annotations

import pytest

from apps.core.errors import Conflict, InvalidInput, NotFound
from apps.core.models import Job
from apps.core.services import job_create, training_job_start
from apps.denoise.params import demo_params_validate
from apps.denoise.services import dae_demo_start, denoiser_weights_register
from apps.denoise.training_config import training_params_validate
from tests.integration.denoise.conftest import tiny_dae_register, tiny_weights_write


def test_training_defaults_depend_on_the_model():
    assert training_params_validate({}) == {"dataset": "train400", "model": "unet", "config": {}}
    assert training_params_validate({"model": "dae"}) == {"dataset": "fashion-mnist", "model": "dae", "config": {}}
    assert training_params_validate({"model": "dae", "dataset": "MNIST"})["dataset"] == "mnist"
    assert training_params_validate({"dataset": "samples"})["dataset"] == "samples"
    dae = training_params_validate(
        {"model": "dae", "config": {"train_count": "500", "test_count": 20, "noise_std": 0.5, "activate": False}}
    )
    assert dae["config"] == {"train_count": 500, "test_count": 20, "noise_std": 0.5, "activate": False}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"dataset": "imagenet"}, "dataset"),
        ({"model": "dncnn"}, "model"),
        ({"model": "dae", "dataset": "train400"}, "dataset"),  # the photo data sets are not the DAE's
        ({"model": "unet", "dataset": "fashion-mnist"}, "dataset"),
        ({"config": {"width": 3}}, "config.width"),
        ({"config": {"bogus": 1}}, "config.bogus"),
        ({"config": {"activate": "yes"}}, "config.activate"),
        ({"config": {"train_count": 1000}}, "config.train_count"),  # a DAE option is no U-Net setting
        ({"model": "dae", "config": {"train_count": 10}}, "config.train_count"),
        ({"model": "dae", "config": {"test_count": 0}}, "config.test_count"),
        ({"model": "dae", "config": {"noise_std": 0}}, "config.noise_std"),
        ({"model": "dae", "config": {"sigma_max": 50}}, "config.sigma_max"),  # a U-Net setting
        ({"model": "dae", "config": {"dataset": "mnist"}}, "config"),
    ],
)
def test_bad_training_params_name_the_field(params, field):
    with pytest.raises(InvalidInput) as caught:
        training_params_validate(params)
    assert field in caught.value.errors


@pytest.mark.django_db
def test_train_vae_model_dae_is_routed_to_train_denoiser():
    job = training_job_start(kind="vae", model="dae", dataset="mnist", config={"epochs": 1}, enqueue=False)
    assert job.kind == "train.denoiser"
    assert job.params == {"dataset": "mnist", "model": "dae", "config": {"epochs": 1}}
    plain = training_job_start(kind="vae", dataset="mnist", config={"epochs": 1}, enqueue=False)
    assert plain.kind == "train.vae"  # only the DAE moved


@pytest.mark.django_db
def test_train_command_routes_vae_dae_too(monkeypatch):
    import io

    from django.core.management import call_command

    sent = []
    monkeypatch.setattr("apps.core.services.job_enqueue", lambda *, job: sent.append(job.id))  # no broker here
    call_command("train", "vae", "--model", "dae", "--set", "width=8", "--no-wait", stdout=io.StringIO())
    job = Job.objects.get()
    assert sent == [job.id]
    assert job.kind == "train.denoiser" and job.params["model"] == "dae" and job.params["dataset"] == "fashion-mnist"


@pytest.mark.django_db
def test_demo_params_defaults_pick_the_active_dae_and_draw_a_seed():
    version = tiny_dae_register("fashion-mnist")
    first = demo_params_validate({})
    assert first == {"dataset": "fashion-mnist", "model_version": version.id, "count": 8, "noise_std": None,
                     "seed": first["seed"]}  # fmt: skip
    assert 0 <= first["seed"] < 2**31
    given = demo_params_validate({"count": 32, "noise_std": 1, "seed": 0})
    assert (given["count"], given["noise_std"], given["seed"]) == (32, 1.0, 0)


@pytest.mark.django_db
def test_demo_uses_the_data_sets_own_dae_and_keeps_a_named_version():
    fashion = tiny_dae_register("fashion-mnist")
    mnist = tiny_dae_register("mnist")
    assert demo_params_validate({"dataset": "mnist"})["model_version"] == mnist.id
    newer = tiny_dae_register("fashion-mnist")
    # A retried job's params name its version: it keeps it even when another became active.
    assert demo_params_validate({"model_version": fashion.id})["model_version"] == fashion.id
    assert demo_params_validate({})["model_version"] == newer.id


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"dataset": "cifar10"}, "dataset"),
        ({"dataset": "train400"}, "dataset"),
        ({"count": 0}, "count"),
        ({"count": 33}, "count"),
        ({"count": "many"}, "count"),
        ({"count": "3"}, "count"),  # a job's params are JSON-typed: a string is not a count
        ({"count": True}, "count"),
        ({"noise_std": 0}, "noise_std"),
        ({"noise_std": -0.1}, "noise_std"),
        ({"noise_std": 1.01}, "noise_std"),
        ({"noise_std": "loud"}, "noise_std"),
        ({"noise_std": float("nan")}, "noise_std"),
        ({"noise_std": True}, "noise_std"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**31}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
@pytest.mark.django_db
def test_each_bad_demo_field_is_invalid_input_naming_it_and_nothing_is_stored(params, field):
    tiny_dae_register("fashion-mnist")
    with pytest.raises(InvalidInput) as caught:
        dae_demo_start(**params)
    assert list(caught.value.errors) == [field]
    with pytest.raises(InvalidInput):
        job_create(kind="denoise.demo", params=params, enqueue=False)
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_no_dae_is_a_conflict_that_says_how_to_train_one():
    tiny_dae_register("fashion-mnist")  # another data set's model does not count
    with pytest.raises(Conflict) as caught:
        dae_demo_start(dataset="mnist")
    assert "manage.py train denoiser --model dae --dataset mnist" in caught.value.message
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_an_unknown_or_photo_model_version_is_not_found(tmp_path):
    with pytest.raises(NotFound):
        demo_params_validate({"model_version": 999_999})
    photo = denoiser_weights_register(folder=tiny_weights_write(tmp_path / "w"))
    with pytest.raises(NotFound):
        demo_params_validate({"model_version": photo.id})  # the U-Net is no 28×28 autoencoder
    assert not Job.objects.exists()
