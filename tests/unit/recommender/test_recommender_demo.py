"""The recommender's part of `seed_demo`: the quick closed-form model first, the deep one after every app's first."""

from __future__ import annotations

import io

import pytest

from apps.recommender import demo, services
from apps.recommender.training_config import training_params_validate
from tests.unit.recommender.test_web_services import files_write

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list:
    """Jobs seed_demo queues, caught before the broker."""
    queued: list = []
    monkeypatch.setattr("apps.core.services.job_enqueue", lambda *, job: queued.append(job))
    return queued


def test_seed_queues_the_closed_form_model_before_the_deep_one(sent, tmp_path, settings):
    settings.AEWEB_ARTIFACT_DIR = tmp_path / "artifacts"
    ratings, items = files_write(tmp_path / "set")
    services.dataset_import(path=ratings, items_path=items, slug="synthetic")
    out = io.StringIO()
    demo.demo_seed(out=out, train=True)
    assert [job.params["model"] for job in sent] == ["edlae"]  # the deep one waits for the other apps
    demo.demo_seed_later(out=out, train=True)
    assert [(job.params["model"], job.params["dataset"]) for job in sent] == [
        ("edlae", "synthetic"),
        ("ensemble", "synthetic"),
        ("mult-vae", "synthetic"),
    ]
    assert "first training job (edlae)" in out.getvalue()
    for model in demo.DEMO_MODELS:
        training_params_validate({"dataset": "synthetic", "model": model})
    sent.clear()
    demo.demo_seed(out=io.StringIO(), train=True)  # jobs already queued: nothing more
    demo.demo_seed_later(out=io.StringIO(), train=True)
    assert sent == []
