"""Inpainting through the real Redis and a real Celery worker: an item sample with the centre mask (model and
every baseline, PCA-64 included), an uploaded photo with a painted mask (the photo model), a retried job that
does nothing twice, and a model that cannot be loaded failing the job with a clear message."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from PIL import Image

from apps.core.models import Job
from apps.inpaint.models import InpaintRequest
from tests.conftest import job_wait
from tests.integration.inpaint.conftest import mask_png, photo_png, placeholder_register

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def media(url: str) -> Path:
    assert url.startswith(settings.MEDIA_URL), url
    return Path(settings.MEDIA_ROOT) / url[len(settings.MEDIA_URL) :]


def pixels(url: str) -> np.ndarray:
    with Image.open(media(url)) as im:
        return np.asarray(im).copy()


def finished(api_client, created) -> dict:
    assert created.status_code == 202, created.content
    job = job_wait(created.json()["job"], timeout=300)
    assert job.status == "succeeded", job.error
    body = api_client.get(created.json()["url"]).json()
    assert body["status"] == "succeeded" and body["progress"] == 1.0
    return body


def test_item_sample_centre_mask_and_an_upload_with_a_painted_mask(celery_worker, inpainters, api_client, client):
    item = api_client.post("/api/inpaint/", {"sample": "item-19", "mask": "centre"}, format="json")
    upload = api_client.post(
        "/api/inpaint/",
        {"image": _named(photo_png(96, 64), "photo.png"), "mask": _named(mask_png(96, 64, (30, 20, 60, 44)), "m.png")},
        format="multipart",
    )

    body = finished(api_client, item)
    assert body["model"]["id"] == inpainters["fashion-mnist"].id and body["mask_kind"] == "centre"
    original, mask = pixels(body["input_url"]), pixels(body["mask_url"]) > 127
    filled, masked = pixels(body["output_url"]), pixels(body["masked_url"])
    assert original.shape == filled.shape == masked.shape == (28, 28) and mask[7:21, 7:21].all()
    assert np.array_equal(filled[~mask], original[~mask])  # the fill changes only the hole
    assert np.array_equal(masked[~mask], original[~mask]) and not np.array_equal(masked[mask], original[mask])
    assert not np.array_equal(filled[mask], masked[mask])
    assert set(body["baselines"]) == {"telea", "navier_stokes", "biharmonic", "pca64"}
    for name, scores in body["baselines"].items():
        assert math.isfinite(scores["psnr"]) and 0 < scores["ssim"] <= 1 and math.isfinite(scores["psnr_masked"])
        out = pixels(scores["url"])
        assert out.shape == (28, 28) and np.array_equal(out[~mask], original[~mask]), name
    assert body["psnr"] is not None and body["ssim"] is not None and body["psnr_masked"] is not None
    assert body["psnr_masked"] < body["psnr"]  # all of the error is in the hole, a quarter of the image
    assert body["seconds"] > 0 and body["coverage"] == pytest.approx(0.25)
    for key in ("input_url", "mask_url", "masked_url", "output_url"):
        assert client.get(body[key]).status_code == 200

    photo = finished(api_client, upload)
    assert photo["model"]["id"] == inpainters["train400"].id and photo["mask_kind"] == "painted"
    original, mask, filled = pixels(photo["input_url"]), pixels(photo["mask_url"]) > 127, pixels(photo["output_url"])
    assert original.shape == filled.shape == (64, 96, 3) and mask.sum() == 30 * 24
    assert np.array_equal(filled[~mask], original[~mask])
    assert set(photo["baselines"]) == {"telea", "navier_stokes", "biharmonic"}  # PCA-64 is for 28×28 items only
    assert all(math.isfinite(s["psnr_masked"]) for s in photo["baselines"].values())

    page = client.get(photo["page_url"])
    text = page.content.decode()
    assert page.status_code == 200 and "compare-range" in text and "OpenCV Telea" in text
    assert text.count("<b>") >= 3  # the best of each column in bold


def test_a_retried_job_answers_from_the_row(celery_worker, inpainters, api_client):
    from apps.core.runner import JobReporter
    from apps.inpaint.worker import inpaint_image_job

    body = finished(api_client, api_client.post("/api/inpaint/", {"sample": "item-2", "mask": "pixels"}, format="json"))
    output = media(body["output_url"])
    before = output.stat().st_mtime_ns
    job = Job.objects.get(id=body["job"])
    result = inpaint_image_job(job, JobReporter(job))  # a redelivered message: the output exists
    assert result["psnr"] == body["psnr"] and result["baselines"] == job.result["baselines"]
    assert output.stat().st_mtime_ns == before
    assert str(body["id"]) not in str(job.result)  # the job's result is public: no request id in it


def test_a_model_that_cannot_be_loaded_fails_the_job_clearly(celery_worker, db, api_client):
    placeholder_register("train400")  # its checkpoint is not a model
    created = api_client.post(
        "/api/inpaint/",
        {"image": _named(photo_png(), "p.png"), "mask": "boxes", "seed": "1"},
        format="multipart",
    )
    assert created.status_code == 202, created.content
    job = job_wait(created.json()["job"], timeout=120)
    assert job.status == "failed" and "could not be loaded" in job.error, job.error
    body = api_client.get(created.json()["url"]).json()
    assert body["status"] == "failed" and body["output_url"] is None
    assert not InpaintRequest.objects.get(id=body["id"]).output


def _named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def test_a_slow_baseline_is_left_out_of_a_large_image(inpainters, api_client, client, monkeypatch):
    """Run in this process (no worker): biharmonic over its pixel limit is skipped, and the page says so."""
    from apps.core.runner import JobReporter
    from apps.inpaint import worker

    monkeypatch.setattr(worker, "BASELINE_MAX_PIXELS", {"biharmonic": 64 * 48 - 1})
    created = api_client.post(
        "/api/inpaint/", {"image": _named(photo_png(), "p.png"), "mask": "centre"}, format="multipart"
    ).json()
    Job.objects.filter(id=created["job"]).update(status="running", attempts=1)
    job = Job.objects.get(id=created["job"])
    result = worker.inpaint_image_job(job, JobReporter(job))
    assert result["baselines_skipped"] == ["biharmonic"] and set(result["baselines"]) == {"telea", "navier_stokes"}
    body = api_client.get(created["url"]).json()
    assert body["baselines_skipped"] == ["biharmonic"] and "biharmonic" not in body["baselines"]
    Job.objects.filter(id=created["job"]).update(status="succeeded", progress=1.0)
    assert "Not run on an image this large" in client.get(created["page_url"]).content.decode()
