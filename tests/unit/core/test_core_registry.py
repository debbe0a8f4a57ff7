"""The app contract: an app that does not hold together fails when Django starts, not at its first job."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.core import diagnostics, registry
from apps.core.queues import QUEUE_INTERACTIVE, QUEUE_TRAINING, QUEUES
from apps.core.registry import (
    AppContract,
    JobKind,
    LegacyKind,
    ModelKind,
    Training,
    app_register,
    registry_isolated,
)
from tests.conftest import ROOT


def _job(name: str, **kw) -> JobKind:
    fields = {"name": name, "handler": diagnostics.selftest_job, "queue": QUEUE_INTERACTIVE, "title": name}
    return JobKind(**{**fields, **kw})


def _app(**kw) -> AppContract:
    defaults = {
        "label": "thing",
        "title": "Thing",
        "jobs": (_job("thing.run"),),
        "trainings": (
            Training(name="thing", handler=diagnostics.selftest_job, validator=lambda p: p, title="Train a thing"),
        ),
        "models": (ModelKind(name="thing", training="thing", slots=("default", "small")),),
    }
    return AppContract(**{**defaults, **kw})


def test_a_whole_contract_registers_and_is_found():
    with registry_isolated():
        app_register(_app())
        assert registry.jobkind_get("thing.run").handler is diagnostics.selftest_job
        train = registry.jobkind_get("train.thing")  # a training's job kind is made for it
        assert train.lock_on == ("dataset", "model") and train.handler is diagnostics.selftest_job
        assert registry.training_get("thing").job == train
        assert registry.model_kind_get("thing").slots == ("default", "small")
    assert registry.jobkind_get("thing.run") is None  # isolated: gone afterwards


@pytest.mark.parametrize(
    ("contract", "message"),
    [
        (lambda: _app(jobs=(_job("thing.run", queue="gpus"),)), "unknown queue 'gpus'"),
        (lambda: _app(jobs=(_job("other.run"),)), "must be named 'thing.<what>'"),
        (lambda: _app(jobs=(_job("thing.run"), _job("thing.run"))), "declared twice"),
        (lambda: _app(jobs=(_job("core.selftest"),)), "must be named"),
        (lambda: _app(jobs=(_job("thing.run", handler="apps.core.diagnostics.selftest_job"),)), "not callable"),
        (lambda: _app(jobs=(_job("thing.run", validator="x.y"),)), "validator is not callable"),
        (lambda: _app(jobs=(_job("thing.run", lock_on="dataset"),)), "lock_on"),
        (lambda: _app(jobs=(_job("thing.run", title=""),)), "needs a title"),
        (lambda: _app(jobs=(_job("train.thing"),)), "'train.thing' is declared twice"),
        (lambda: _app(models=(ModelKind(name="thing", training="nothing"),)), "names training 'nothing'"),
        (lambda: _app(models=(ModelKind(name="thing", training="thing", slots=("a", "a")),)), "distinct"),
        (lambda: _app(models=(ModelKind(name="thing", training="thing", slots=()),)), "distinct"),
        (
            lambda: _app(
                models=(ModelKind(name="thing", training="thing", legacy_kinds=(LegacyKind("old", "gone"),)),)
            ),
            "unknown slot 'gone'",
        ),
        (lambda: _app(models=(ModelKind(name="vae", training="thing"),)), "'vae' is not a free"),
        (lambda: _app(label="gallery"), "already registered"),
        (lambda: _app(home_card="not a function"), "callables"),
    ],
)
def test_a_contract_that_does_not_hold_together_is_refused_whole(contract, message):
    with registry_isolated():
        before = registry.jobkind_names()
        with pytest.raises(ImproperlyConfigured, match=message):
            app_register(contract())
        assert registry.jobkind_names() == before  # nothing half-registered
        assert "thing" not in {app.label for app in registry.apps_registered()}


def test_the_shipped_apps_declare_what_the_public_interface_names():
    assert {"recommender", "vae", "denoiser"} <= set(registry.training_names())
    assert registry.model_kind_get("vae").slots == ("default", "conditional", "latent2d")
    assert registry.model_kind_resolve("vae-conditional") == ("vae", LegacyKind("vae-conditional", "conditional"))
    assert registry.model_kind_resolve("vae") == ("vae", None)
    for name in registry.jobkind_names():
        kind = registry.jobkind_get(name)
        assert callable(kind.handler) and kind.queue in QUEUES
    # Queues by the kind of work: every training on the training queue, and so fitting detectors on a visitor's
    # table or series (minutes of training: never ahead of someone waiting for a few seconds); the rest interactive.
    fits = {"anomaly.table", "anomaly.series"}
    for name in registry.jobkind_names():
        expected = QUEUE_TRAINING if name.startswith("train.") or name in fits else QUEUE_INTERACTIVE
        assert registry.jobkind_get(name).queue == expected, name


def _django_start(app: str) -> subprocess.CompletedProcess:
    script = (
        "import django\n"
        "from django.conf import settings\n"
        f"settings.INSTALLED_APPS.append({app!r})\n"
        "django.setup()\n"
        "print('STARTED')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aeweb.settings"}
    command = [sys.executable, "-c", script]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_an_app_whose_contract_has_a_typo_stops_django_from_starting():
    started = _django_start("tests.contract_apps.typo")
    assert started.returncode != 0 and "STARTED" not in started.stdout
    assert "selftest_jb" in started.stderr  # the error names the misspelt function


def test_an_app_with_an_unknown_queue_stops_django_from_starting():
    started = _django_start("tests.contract_apps.badqueue")
    assert started.returncode != 0 and "STARTED" not in started.stdout
    assert "ImproperlyConfigured" in started.stderr and "unknown queue 'gpus'" in started.stderr


def test_the_real_apps_start():
    started = _django_start("django.contrib.humanize")  # a harmless extra app: the control case
    assert started.returncode == 0, started.stderr[-2000:]
    assert "STARTED" in started.stdout
