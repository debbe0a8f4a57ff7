"""The segment app's part of seed_demo: an active model is left alone, shipped weights are registered, and
without either a quick (valid) training job starts when Fashion-MNIST is here."""

from __future__ import annotations

import io

import pytest

from apps.core.models import Job
from apps.segment import demo
from apps.segment.selectors import segmenter_active
from tests.integration.segment.conftest import fashion_dir, segment_fresh, tiny_segmenter_register  # noqa: F401

pytestmark = pytest.mark.django_db


def seeded(**kwargs) -> str:
    out = io.StringIO()
    demo.demo_seed(out=out, **kwargs)
    return out.getvalue()


def test_an_active_model_is_left_alone(monkeypatch):
    version = tiny_segmenter_register("fashionopolis")
    monkeypatch.setattr("apps.segment.shipped.segmenter_weights_register", lambda **kw: pytest.fail("registered"))
    assert "is active" in seeded() and segmenter_active("fashionopolis") == version


def test_shipped_weights_are_registered_and_active():
    if not _shipped():
        pytest.skip("no shipped segmenter weights in this checkout")
    said = seeded(train=False)
    version = segmenter_active("fashionopolis")
    assert version is not None and "registered the shipped weights" in said
    assert version.config.get("classes", [None])[0] == "background"
    assert "is active" in seeded(train=False)  # the second run finds it


def _shipped() -> bool:
    from pathlib import Path

    folder = Path(demo.__file__).resolve().parent / "weights"
    return folder.is_dir() and any(folder.glob("*.pt"))


def test_without_weights_a_quick_training_starts(monkeypatch, fashion_dir):  # noqa: F811
    monkeypatch.setattr("apps.segment.shipped.segmenter_weights_register", lambda **kw: [])
    assert seeded(train=False) == ""
    said = seeded()
    job = Job.objects.get(kind="train.segmenter")
    assert f"/jobs/{job.id}/" in said
    assert job.params["dataset"] == "fashionopolis" and job.params["model"] == "unet"
    assert job.params["config"]["seconds"] == demo.QUICK_CONFIG["seconds"]
    assert seeded() == ""  # one quick training at a time
