"""The training skeleton: request checks (web side) and TrainingRun (worker side) with a real database."""

from __future__ import annotations

import json

import pytest

from apps.core import services
from apps.core.artifacts import artifact_verify
from apps.core.errors import InvalidInput
from apps.core.ml.config import ConfigError, check
from apps.core.models import ActiveModel, Job
from apps.core.params import int_option
from apps.core.registry import AppContract, ModelKind, Training, app_register, registry_isolated
from apps.core.runner import JobReporter
from apps.core.training import TrainingRun, dataset_choice, training_params_check


def _config_check(dataset: str, model: str, settings: dict) -> None:
    for key, value in settings.items():
        check(key == "width", key, "unknown setting")
        check(isinstance(value, int) and 1 <= value <= 8, key, "must be in 1..8")


def _check(params: dict) -> dict:
    return training_params_check(
        params,
        dataset_resolve=dataset_choice(("small", "large"), "small"),
        models=("a", "b"),
        default_model="a",
        config_check=_config_check,
        options={"train_count": int_option(1, 100, strings=True)},
        aliases={"w": "width"},
    )


def test_defaults_aliases_and_options():
    assert _check({}) == {"dataset": "small", "model": "a", "config": {}}
    out = _check({"dataset": "LARGE", "model": "b", "config": {"w": 3, "activate": False, "train_count": "7"}})
    assert out == {"dataset": "large", "model": "b", "config": {"width": 3, "activate": False, "train_count": 7}}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"dataset": "medium"}, "dataset"),
        ({"model": "c"}, "model"),
        ({"config": [1]}, "config"),
        ({"config": {"model": "b"}}, "config"),
        ({"config": {"activate": "yes"}}, "config.activate"),
        ({"config": {"train_count": 0}}, "config.train_count"),
        ({"config": {"train_count": 2.5}}, "config.train_count"),
        ({"config": {"width": 9}}, "config.width"),
        ({"config": {"depth": 1}}, "config.depth"),
    ],
)
def test_each_bad_field_is_named(params, field):
    with pytest.raises(InvalidInput) as caught:
        _check(params)
    assert list(caught.value.errors) == [field]


def test_the_data_set_may_depend_on_the_model():
    def resolve(value: str, model: str) -> str:
        return value or {"a": "small", "b": "large"}[model]

    def check_nothing(dataset, model, settings):
        if settings:
            raise ConfigError("x", "no settings")

    checked = training_params_check(
        {"model": "b"}, dataset_resolve=resolve, models=("a", "b"), default_model="a", config_check=check_nothing
    )
    assert checked["dataset"] == "large"


def _trainer(job, reporter) -> dict:
    run = TrainingRun(job, reporter, training="skeleton", options=("train_count",))
    assert run.settings == {"width": 2} and run.options == {"train_count": 5}
    on_epoch = run.epoch_reporter(0.1, 0.9, lambda e: f"epoch {e['epoch']}")
    for epoch in (1, 2):
        on_epoch({"epoch": epoch, "epochs": 2, "loss": 1.0 / epoch})
    artifact = run.artifact_write("weights.json", lambda path: path.write_text(json.dumps(run.settings)))
    return run.register(
        kind="skeleton",
        slot="small",
        config={"width": 2},
        metrics={"loss": 0.5},
        history=reporter.history,
        artifacts={"checkpoint": artifact},
        card="a skeleton model",
        seen=True,
    )


SKELETON = AppContract(
    label="skeleton",
    title="skeleton",
    trainings=(Training(name="skeleton", handler=_trainer, validator=lambda p: p, title="skeleton"),),
    models=(ModelKind(name="skeleton", training="skeleton", slots=("default", "small")),),
)


@pytest.mark.django_db
def test_a_training_run_reports_writes_and_registers(settings):
    from apps.core.runner import job_execute

    with registry_isolated():
        app_register(SKELETON)
        config = {"width": 2, "train_count": 5}
        job = services.job_create(
            kind="train.skeleton", params={"dataset": "d", "model": "m", "config": config}, enqueue=False
        )
        job = job_execute(job_id=job.id)
    assert job.status == "succeeded", job.error
    result = job.result
    assert result["kind"] == "skeleton" and result["slot"] == "small" and result["activated"] is True
    assert result["seen"] is True and result["metrics"] == {"loss": 0.5}
    assert [h["epoch"] for h in job.history] == [1, 2]
    version = ActiveModel.objects.get(kind="skeleton", dataset="d", slot="small").model_version
    assert version.id == result["model_version"] and version.name == "m" and version.job_id == job.id
    assert version.config == {"width": 2, "overrides": config, "device": "cpu"}
    command = "manage.py train skeleton --dataset d --model m --set width=2 --set train_count=5"
    assert version.card.endswith(f"reproduce: {command}")
    path = artifact_verify(version.artifacts["checkpoint"])
    assert path.parent.name == str(job.id) and json.loads(path.read_text()) == {"width": 2}


@pytest.mark.django_db
def test_activate_false_registers_without_moving_the_pointer(settings):
    with registry_isolated():
        app_register(SKELETON)
        job = services.job_create(
            kind="train.skeleton",
            params={"dataset": "d", "model": "m", "config": {"width": 2, "train_count": 5, "activate": False}},
            enqueue=False,
        )
        Job.objects.filter(id=job.id).update(status="running")
        job.refresh_from_db()
        result = _trainer(job, JobReporter(job))
    assert result["activated"] is False and not ActiveModel.objects.exists()


@pytest.mark.django_db
def test_a_retrain_that_repeats_the_active_version_stays_inactive_unless_asked(settings):
    """Same settings, same data, same figures: the pointer stays where it is and the result says why; an explicit
    `activate: true` still moves it."""
    from apps.core.runner import job_execute

    with registry_isolated():
        app_register(SKELETON)

        def train(config: dict) -> Job:
            job = services.job_create(
                kind="train.skeleton", params={"dataset": "d", "model": "m", "config": config}, enqueue=False
            )
            return job_execute(job_id=job.id)

        first = train({"width": 2, "train_count": 5})
        repeat = train({"width": 2, "train_count": 5})
        assert repeat.status == "succeeded" and repeat.result["activated"] is False
        assert f"m v{first.result['version']}" in repeat.result["activation"]
        pointer = ActiveModel.objects.get(kind="skeleton", dataset="d", slot="small")
        assert pointer.model_version_id == first.result["model_version"]
        asked = train({"width": 2, "train_count": 5, "activate": True})
        assert asked.result["activated"] is True
        pointer.refresh_from_db()
        assert pointer.model_version_id == asked.result["model_version"]
