"""Gallery jobs through the real Redis and a real Celery worker process: train, generate, list, interpolate."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from apps.core.models import ActiveModel
from apps.gallery.models import GeneratedImage
from tests.conftest import job_wait
from tests.integration.gallery.helpers import TINY

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_train_then_generate_then_interpolate_through_the_worker(celery_worker, fashion_dir, staff_client, api_client):
    body = {"kind": "vae", "dataset": "fashion-mnist", "model": "conv", "config": {**TINY, "epochs": 2}}
    response = staff_client.post("/api/jobs/", body, format="json")
    assert response.status_code == 202, response.content
    job = job_wait(response.json()["id"])
    assert job.status == "succeeded", job.error
    assert [h["epoch"] for h in job.history] == [1, 2]
    version = ActiveModel.objects.get(kind="vae", dataset="fashion-mnist").model_version
    assert version.id == job.result["model_version"] and "iwae_nll" in version.metrics

    response = api_client.post("/api/gallery/generate/", {"count": 5, "seed": 11, "temperature": 0.9}, format="json")
    assert response.status_code == 202, response.content
    job = job_wait(response.json()["id"])
    assert job.status == "succeeded", job.error

    listed = api_client.get(f"/api/gallery/?job={job.id}").json()
    assert listed["count"] == 5
    for entry in listed["results"]:
        assert entry["model_version"] == version.id and entry["seed"] == 11 and len(entry["latent"]) == 16
        path = Path(settings.MEDIA_ROOT) / entry["url"].removeprefix(settings.MEDIA_URL)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    served = api_client.get(listed["results"][0]["url"])
    assert served.status_code == 200 and b"".join(served.streaming_content)[:4] == b"\x89PNG"

    start, end = listed["results"][0]["id"], listed["results"][4]["id"]
    response = api_client.post("/api/gallery/interpolate/", {"start": start, "end": end, "steps": 4}, format="json")
    assert response.status_code == 202, response.content
    job = job_wait(response.json()["id"])
    assert job.status == "succeeded", job.error
    frames = GeneratedImage.objects.filter(job_id=job.id, kind="interpolation").order_by("position")
    assert frames.count() == 4 and all(Path(settings.MEDIA_ROOT, f.file).exists() for f in frames)
