"""The 28×28 demo over REST: through a real Redis and a real Celery worker, the deprecated gallery path
answering like the new one, each bad field a 400 with nothing stored, 409 without a model, throttled."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from apps.core.models import Job
from apps.denoise.selectors import dae_active
from tests.conftest import job_wait
from tests.integration.denoise.conftest import tiny_dae_register

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NEW, OLD = "/api/denoise/demo/", "/api/gallery/denoise-demo/"


def start(client, path: str = NEW, **body):
    return client.post(path, body, format="json")


def test_train_the_dae_then_run_the_demo_through_the_worker(fashion_dir, celery_worker, staff_client, api_client):
    config = {"width": 8, "epochs": 1, "train_count": 256, "test_count": 50}
    trained = staff_client.post("/api/jobs/", {"kind": "vae", "model": "dae", "config": config}, format="json")
    assert trained.status_code == 202, trained.content
    assert trained.json()["kind"] == "train.denoiser"  # `train vae --model dae` moved here
    training = job_wait(trained.json()["id"])
    assert training.status == "succeeded", training.error
    version = dae_active("fashion-mnist")
    assert version.id == training.result["model_version"] and version.name == "dae"

    created = start(api_client, count=4, seed=11)
    assert created.status_code == 202, created.content
    body = created.json()
    assert body["kind"] == "denoise.demo" and body["status"] == "queued" and body["url"] == f"/api/jobs/{body['id']}/"
    assert body["params"] == {"dataset": "fashion-mnist", "model_version": version.id, "count": 4,
                              "noise_std": None, "seed": 11}  # fmt: skip
    job = job_wait(body["id"])
    assert job.status == "succeeded", job.error
    result = api_client.get(body["url"]).json()["result"]
    assert result["model_version"] == version.id and len(result["images"]) == 4
    assert set(result) >= {"images", "psnr_noisy", "psnr_denoised", "model_version"}
    first = result["images"][0]
    assert set(first) == {"position", "label", "clean_url", "noisy_url", "denoised_url"}
    for key in ("clean_url", "noisy_url", "denoised_url"):
        served = api_client.get(first[key])
        assert served.status_code == 200
    with Image.open(Path(settings.MEDIA_ROOT) / first["denoised_url"].removeprefix("/media/")) as im:
        assert im.size == (28, 28) and im.mode == "L"

    page = api_client.get("/denoise/").content.decode()
    assert 'id="dae-rows"' in page and first["denoised_url"] in page
    assert f"dae v{version.version}" in page and "test PSNR" in page


def test_the_old_gallery_path_answers_like_the_new_one(tiny_dae, api_client):
    new, old = start(api_client, NEW, seed=3, count=2), start(api_client, OLD, seed=3, count=2)
    assert new.status_code == old.status_code == 202, old.content
    strip = lambda body: {k: v for k, v in body.items() if k not in ("id", "url", "created_at")}  # noqa: E731
    assert strip(old.json()) == strip(new.json())
    assert old.json()["kind"] == "denoise.demo" and old.json()["params"]["model_version"] == tiny_dae.id
    assert old["Deprecation"] == "true" and NEW in old["Link"]
    bad_new, bad_old = start(api_client, NEW, count=99), start(api_client, OLD, count=99)
    assert bad_new.status_code == bad_old.status_code == 400
    assert bad_new.json() == bad_old.json() and "count" in bad_old.json()["error"]["details"]
    schema = api_client.get("/api/schema/?format=json").json()
    assert schema["paths"][OLD]["post"]["deprecated"] is True and "deprecated" not in schema["paths"][NEW]["post"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dataset": "cifar10"}, "dataset"),
        ({"count": 0}, "count"),
        ({"count": 33}, "count"),
        ({"count": "many"}, "count"),
        ({"noise_std": 0}, "noise_std"),
        ({"noise_std": 1.5}, "noise_std"),
        ({"noise_std": "loud"}, "noise_std"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**31}, "seed"),
    ],
)
def test_each_bad_field_is_400_naming_it_and_nothing_is_stored(body, field, tiny_dae, api_client):
    response = start(api_client, **body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["details"]) == [field]
    assert not Job.objects.filter(kind="denoise.demo").exists()


def test_no_dae_is_409_saying_how_to_train_one(api_client):
    response = start(api_client, dataset="mnist")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    assert "manage.py train denoiser --model dae --dataset mnist" in response.json()["error"]["message"]
    assert not Job.objects.exists()


def test_demo_page_without_a_dae_says_how_to_train_one(db, client):
    page = client.get("/denoise/").content.decode()
    assert 'id="dae-missing"' in page and "train denoiser --model dae --dataset fashion-mnist" in page
    tiny_dae_register("mnist")
    page = client.get("/denoise/").content.decode()
    assert 'id="dae-demo-button"' in page and "noisy mnist" in page and "18.25 dB" in page


def test_starting_demos_is_throttled_per_client_on_both_paths(tiny_dae, api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "denoise-demo": "3/min"},
    }
    codes = [start(api_client, path, count=0).status_code for path in (NEW, OLD, NEW, OLD)]
    assert codes == [400, 400, 400, 429]
    assert start(api_client, NEW).json()["error"]["code"] == "throttled"
