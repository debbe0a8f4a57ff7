"""Denoising over REST: real Redis and a real Celery worker for the uploads that succeed; every bad
input is a 400 in the JSON error shape with nothing stored or queued."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from PIL import Image

from apps.core.models import Job
from apps.denoise.models import DenoiseRequest
from apps.denoise.selectors import denoiser_active
from tests.conftest import job_wait
from tests.integration.core.test_core_api import broker_down
from tests.integration.denoise import files
from tests.integration.denoise.conftest import TINY, media_files

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def upload(client, data: bytes | None = None, name: str = "photo.png", **fields):
    body = dict(fields)
    if data is not None:
        body["image"] = io.BytesIO(data)
        body["image"].name = name
    return client.post("/api/denoise/", body, format="multipart")


def assert_nothing_stored() -> None:
    assert not DenoiseRequest.objects.exists()
    assert not Job.objects.filter(kind="denoise.image").exists()
    assert media_files() == []


def test_upload_and_sample_through_the_worker(celery_worker, tiny_denoiser, api_client):
    rgba = files.png((300, 200), "RGBA")
    created = upload(api_client, rgba, sigma="25")
    assert created.status_code == 202, created.content
    body = created.json()
    assert body["status"] == "queued" and body["url"] == f"/api/denoise/{body['id']}/"
    sample = upload(api_client, sample="camera")
    assert sample.status_code == 202, sample.content

    job_wait(body["job"])
    result = api_client.get(body["url"]).json()
    assert result["status"] == "succeeded", result["error"]
    assert result["sigma"] == 25 and 15 < result["psnr_noisy"] < 25
    assert result["psnr"] is not None and 0 < result["ssim"] <= 1
    assert result["model"]["id"] == tiny_denoiser.id and result["seconds"] > 0
    out = Image.open(Path(settings.MEDIA_ROOT) / result["output_url"].removeprefix("/media/"))
    assert out.size == (300, 200) and out.mode == "RGBA" and out.format == "PNG"
    alpha_in = np.asarray(Image.open(io.BytesIO(rgba)))[..., 3]
    assert np.array_equal(np.asarray(out)[..., 3], alpha_in)  # alpha kept as it was
    for key in ("input_url", "noisy_url", "output_url"):
        assert api_client.get(result[key]).status_code == 200

    job_wait(sample.json()["job"])
    estimated = api_client.get(sample.json()["url"]).json()
    assert estimated["status"] == "succeeded", estimated["error"]
    assert estimated["sigma"] is None and estimated["noisy_url"] is None and estimated["psnr"] is None
    assert estimated["sigma_estimated"] is not None and estimated["width"] == 512

    page = api_client.get(f"/denoise/{body['id']}/")
    assert page.status_code == 200 and b"compare-range" in page.content and b"deleted after 24 hours" in page.content


@pytest.mark.parametrize("name", list(files.bad_inputs()))
def test_bad_image_is_400_and_nothing_is_stored(name, tiny_denoiser, api_client):
    data, word = files.bad_inputs()[name]
    response = upload(api_client, data, name=f"{name}.bin", sigma="10")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and "image" in error["details"]
    assert word.lower() in error["message"].lower(), error["message"]
    assert_nothing_stored()


def test_self_ensemble_is_asked_for_stored_and_shown(celery_worker, tiny_denoiser, api_client):
    created = upload(api_client, files.png((120, 88)), sigma="10", self_ensemble="true")
    assert created.status_code == 202, created.content
    body = created.json()
    assert body["self_ensemble"] is True
    job = job_wait(body["job"])
    assert job.params["self_ensemble"] is True
    result = api_client.get(body["url"]).json()
    assert result["status"] == "succeeded", result["error"]
    assert result["self_ensemble"] is True and result["psnr"] is not None
    page = api_client.get(f"/denoise/{body['id']}/")
    assert b"the mean over 8 flips and turns" in page.content

    plain = upload(api_client, files.png((120, 88)), sigma="10").json()  # the default: one pass
    assert plain["self_ensemble"] is False
    assert "self_ensemble" not in Job.objects.get(id=plain["job"]).params


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"sigma": "76"}, "sigma"),
        ({"sigma": "-1"}, "sigma"),
        ({"sigma": "loud"}, "sigma"),
        ({"sigma": "nan"}, "sigma"),
        ({"sample": "camera"}, "image"),  # an image and a sample
        ({"sample": "lena"}, "sample"),
        ({"self_ensemble": "maybe"}, "self_ensemble"),
    ],
)
def test_bad_fields_are_400_and_nothing_is_stored(fields, field, tiny_denoiser, api_client):
    response = upload(api_client, files.png(), **fields)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["details"]
    assert_nothing_stored()


def test_no_image_at_all_is_400(tiny_denoiser, api_client):
    response = api_client.post("/api/denoise/", {"sigma": "5"}, format="multipart")
    assert response.status_code == 400 and "image" in response.json()["error"]["details"]
    assert_nothing_stored()


def test_over_the_byte_and_pixel_limits_is_400(tiny_denoiser, api_client, settings):
    settings.AEWEB_UPLOAD_MAX_BYTES = 2000
    response = upload(api_client, files.png((64, 64)))
    assert response.status_code == 400 and "limit" in response.json()["error"]["message"]
    settings.AEWEB_UPLOAD_MAX_BYTES = 10 * 2**20
    settings.AEWEB_UPLOAD_MAX_PIXELS = 4000
    response = upload(api_client, files.png((100, 50)))
    assert response.status_code == 400 and "megapixels" in response.json()["error"]["message"]
    assert_nothing_stored()


def test_no_active_model_is_409_and_nothing_is_stored(db, api_client):
    response = upload(api_client, files.png(), sigma="10")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    assert "train" in response.json()["error"]["message"]
    assert_nothing_stored()


def test_broker_down_is_503_and_nothing_is_stored(tiny_denoiser, api_client):
    with broker_down():
        response = upload(api_client, files.png(), sigma="10")
    assert response.status_code == 503
    assert not DenoiseRequest.objects.exists() and media_files() == []


def test_uploads_are_throttled_per_client(tiny_denoiser, api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "uploads": "3/min"},
    }
    codes = [upload(api_client, b"").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    throttled = upload(api_client, b"")
    assert throttled.json()["error"]["code"] == "throttled"
    assert api_client.get("/api/denoise/00000000-0000-0000-0000-000000000000/").status_code == 404  # reads are not


def test_unknown_or_expired_request_is_404(tiny_denoiser, api_client):
    response = api_client.get("/api/denoise/7d0f4c55-2c57-4c55-9d2c-4a1f7a57d000/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api_client.get("/denoise/7d0f4c55-2c57-4c55-9d2c-4a1f7a57d000/").status_code == 404


def test_train_denoiser_through_the_worker(celery_worker, staff_client):
    config = {**TINY, "epochs": 2, "patches_per_epoch": 64, "batch_size": 16}
    response = staff_client.post("/api/jobs/", {"kind": "denoiser", "config": config}, format="json")
    assert response.status_code == 202, response.content
    job = job_wait(response.json()["id"])
    assert job.status == "succeeded", job.error
    assert [h["epoch"] for h in job.history] == [1, 2]
    active = denoiser_active()
    assert active.id == job.result["model_version"] and active.kind == "denoiser"
    data = Path(settings.AEWEB_DATA_DIR or "/nonexistent")
    assert active.dataset == ("train400" if (data / "Train400").is_dir() else "samples")
    if (data / "Set12").is_dir():
        assert {"set12_psnr_sigma15", "set12_psnr_sigma25", "set12_ssim_sigma50"} <= set(active.metrics)
    assert active.config["overrides"] == config and active.artifacts["checkpoint"]["sha256"]


def test_bad_training_config_is_400(staff_client):
    response = staff_client.post("/api/jobs/", {"kind": "denoiser", "config": {"width": 3}}, format="json")
    assert response.status_code == 400 and "config.width" in response.json()["error"]["details"]
