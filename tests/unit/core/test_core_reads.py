"""Shared reads: the model-load cache, active pointers, pagination, and selectors that never write."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.core import pointers, services
from apps.core.artifacts import artifact_write
from apps.core.errors import NotFound
from apps.core.loading import loaded_clear, model_loaded
from apps.core.models import Job, ModelVersion
from apps.core.pagination import page_get
from apps.core.selectors import job_get, model_version_active, model_version_list

pytestmark = pytest.mark.django_db


def _version(text: str = "weights", **kw) -> ModelVersion:
    artifact = artifact_write(f"test/{text}.txt", lambda path: path.write_text(text))
    defaults = {"kind": "recommender", "dataset": "d", "name": "n", "config": {}, "metrics": {}}
    return services.model_version_create(**{**defaults, **kw}, artifacts={"checkpoint": artifact})


def test_a_model_loads_once_per_version_and_is_checked_first():
    loaded_clear()
    calls = []

    def load(path):
        calls.append(path)
        return path.read_text()

    first, second = _version("one"), _version("two")
    assert model_loaded(first, load) == "one" and model_loaded(first, load) == "one"
    assert model_loaded(second, load) == "two" and len(calls) == 2
    assert model_loaded(first, load, purpose="arrays") == "one" and len(calls) == 3  # another use of the file

    third = _version("three")
    (calls[0].parent / "three.txt").write_text("changed on disk")
    with pytest.raises(ValueError, match="sha256"):
        model_loaded(third, load)


def test_pointers_follow_activations_and_forget_none(settings):
    settings.AEWEB_ACTIVE_MODEL_TTL = 60.0
    pointers.pointers_forget()
    assert pointers.active_pointer(kind="recommender", dataset="d") is None
    v1 = _version()
    services.model_version_activate(model_version=v1)
    assert pointers.active_pointer(kind="recommender", dataset="d")[0] == v1.id  # "none" was not remembered
    v2 = _version()
    services.model_version_activate(model_version=v2)  # the signal makes this process forget at once
    assert pointers.active_pointer(kind="recommender", dataset="d")[0] == v2.id
    assert pointers.active_pointer(kind="recommender", dataset="d", slot="other") is None


def test_a_page_past_the_last_is_not_found():
    for _ in range(5):
        _version()
    versions = ModelVersion.objects.order_by("version")
    page = page_get(versions, page=2, page_size=2)
    assert (page.count, page.pages, page.next, page.previous) == (5, 3, 3, 1)
    assert [v.version for v in page.results] == [3, 4]
    assert page.body(["x"], kind="k") == {
        "kind": "k", "count": 5, "page": 2, "pages": 3, "page_size": 2, "next": 3, "previous": 1, "results": ["x"]
    }  # fmt: skip
    with pytest.raises(NotFound, match="past the last page"):
        page_get(versions, page=4, page_size=2)
    assert page_get(ModelVersion.objects.none(), page=1, page_size=2).results == []


def test_reading_a_dead_workers_job_does_not_change_it(settings):
    job = services.job_create(kind="core.selftest", params={}, enqueue=False)
    stale = timezone.now() - timezone.timedelta(seconds=settings.AEWEB_HEARTBEAT_TIMEOUT + 60)
    Job.objects.filter(id=job.id).update(status="running", heartbeat_at=stale, started_at=stale)
    assert job_get(job.id).status == "running"  # the reaper (beat, worker start) fails it, not a read
    with pytest.raises(NotFound):
        job_get("00000000-0000-0000-0000-000000000000")


def test_legacy_kinds_find_their_slot():
    conditional = services.model_version_create(
        kind="vae", slot="conditional", dataset="fashion-mnist", name="conditional", config={}, metrics={},
        artifacts={}, activate=True,
    )  # fmt: skip
    services.model_version_create(kind="vae", dataset="fashion-mnist", name="conv", config={}, metrics={}, artifacts={})
    assert list(model_version_list(kind="vae-conditional")) == [conditional]
    assert model_version_list(kind="vae").count() == 2
    assert model_version_active(kind="vae", dataset="fashion-mnist", slot="conditional") == conditional
    assert model_version_active(kind="vae", dataset="fashion-mnist") is None
    dae = services.model_version_create(
        kind="denoiser", dataset="fashion-mnist", name="dae", config={}, metrics={}, artifacts={}
    )
    services.model_version_create(kind="denoiser", dataset="train400", name="unet", config={}, metrics={}, artifacts={})
    assert list(model_version_list(kind="vae-dae")) == [dae]  # the photo U-Net was never a `vae-dae`
