"""The gallery's part of `seed_demo`: the shipped weights registered, then the first images queued
once per data set (interactive queue, fixed seed), and never twice."""

from __future__ import annotations

import io

import pytest

from apps.core.models import Job
from apps.core.queues import QUEUE_INTERACTIVE
from apps.gallery.demo import FIRST_IMAGES, demo_seed, weights_manifest
from apps.gallery.models import GeneratedImage

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def shipped_datasets() -> set[str]:
    return {entry["dataset"] for entry in weights_manifest() if entry["slot"] == "default"}


def test_seed_demo_queues_the_first_images_once_per_data_set():
    assert "fashion-mnist" in shipped_datasets()
    out = io.StringIO()
    demo_seed(out=out, train=True)
    jobs = Job.objects.filter(kind="gallery.generate")
    assert {job.params["dataset"] for job in jobs} == shipped_datasets(), out.getvalue()
    for job in jobs:
        assert job.queue == QUEUE_INTERACTIVE and job.status == "queued"
        assert (job.params["count"], job.params["seed"]) == (FIRST_IMAGES["count"], FIRST_IMAGES["seed"])

    demo_seed(out=io.StringIO(), train=True)  # queued already: nothing new
    assert Job.objects.filter(kind="gallery.generate").count() == len(shipped_datasets())

    # Done, with images: nothing new either; a data set without images gets its job again.
    done = jobs.get(params__dataset="fashion-mnist")
    Job.objects.filter(kind="gallery.generate").update(status="succeeded")
    version = Job.objects.get(id=done.id).params["model_version"]
    GeneratedImage.objects.create(file="gallery/t/0.png", model_version_id=version)
    demo_seed(out=io.StringIO(), train=True)
    again = Job.objects.filter(kind="gallery.generate", status="queued")
    assert {job.params["dataset"] for job in again} == shipped_datasets() - {"fashion-mnist"}


def test_no_broker_no_jobs():
    demo_seed(out=io.StringIO(), train=False)
    assert not Job.objects.filter(kind="gallery.generate").exists()
