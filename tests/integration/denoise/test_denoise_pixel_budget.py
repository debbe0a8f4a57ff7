"""The per-client pixel budget of photo denoising, counted in the shared cache: a 429 with Retry-After
once a client's megapixels per hour are spent, nothing stored or queued; other clients unaffected."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from apps.core.models import Job
from apps.denoise.models import DenoiseRequest
from tests.integration.denoise.conftest import media_files

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def png(width: int, height: int) -> io.BytesIO:
    out = io.BytesIO()
    Image.fromarray(np.full((height, width), 128, np.uint8)).save(out, format="PNG")  # a few KB
    out.seek(0)
    out.name = "flat.png"
    return out


def upload(client, width: int, height: int, **extra):
    return client.post("/api/denoise/", {"image": png(width, height)}, **extra)


def test_a_client_over_its_pixel_budget_gets_429_and_nothing_is_stored(client, settings, tiny_denoiser):
    settings.AEWEB_PIXEL_BUDGET_MEGAPIXELS = 2.5  # megapixels per hour
    assert upload(client, 1000, 1000).status_code == 202
    assert upload(client, 1000, 1000).status_code == 202
    stored = (DenoiseRequest.objects.count(), Job.objects.count(), len(media_files()))
    refused = upload(client, 1000, 1000)  # 3 megapixels > 2.5
    assert refused.status_code == 429, refused.content
    error = refused.json()["error"]
    assert error["code"] == "throttled" and "megapixels" in error["message"]
    assert error["details"]["budget_megapixels_per_hour"] == 2.5
    # 2 Mpx counted in this hour's window; 1 more fits once the sliding count falls to 1.5 Mpx: a
    # quarter of the way into the next window, so between 0.25 h and 1.25 h from now, by the clock.
    assert 900 - 1 <= int(refused["Retry-After"]) <= 4500 + 1
    assert (DenoiseRequest.objects.count(), Job.objects.count(), len(media_files())) == stored
    # A smaller image still fits, and the refused one was not counted.
    assert upload(client, 500, 500).status_code == 202
    # Another client has a budget of its own; X-Forwarded-For does not make one.
    assert upload(client, 1000, 1000, HTTP_X_FORWARDED_FOR="10.9.8.1").status_code == 429
    assert upload(client, 1000, 1000, REMOTE_ADDR="192.0.2.44").status_code == 202


def test_an_image_larger_than_the_whole_budget_is_400(client, settings, tiny_denoiser):
    settings.AEWEB_PIXEL_BUDGET_MEGAPIXELS = 0.5
    refused = upload(client, 1000, 1000)
    assert refused.status_code == 400 and "per hour" in refused.json()["error"]["message"]
    assert not DenoiseRequest.objects.exists() and media_files() == []


def test_refusals_for_other_reasons_spend_no_budget(client, settings, db):
    settings.AEWEB_PIXEL_BUDGET_MEGAPIXELS = 1.5
    # No active denoiser: a 409, and the megapixels are not counted.
    assert upload(client, 1000, 1000).status_code == 409
    from apps.denoise.services import denoiser_weights_register
    from tests.integration.denoise.conftest import tiny_weights_write

    denoiser_weights_register(folder=tiny_weights_write(settings.AEWEB_ARTIFACT_DIR.parent / "tiny-budget"))
    assert upload(client, 1000, 1000).status_code == 202


def test_best_quality_counts_its_8_passes_against_the_budget(client, settings, tiny_denoiser):
    settings.AEWEB_PIXEL_BUDGET_MEGAPIXELS = 2.5
    best = {"image": png(500, 500), "self_ensemble": "true"}  # 0.25 Mpx, run 8 times: 2 Mpx of work
    assert client.post("/api/denoise/", best).status_code == 202
    stored = (DenoiseRequest.objects.count(), Job.objects.count(), len(media_files()))
    refused = client.post("/api/denoise/", {"image": png(500, 500), "self_ensemble": "true"})
    assert refused.status_code == 429, refused.content
    error = refused.json()["error"]
    assert "counted 8×" in error["message"] and error["details"]["megapixels"] == 2.0
    assert (DenoiseRequest.objects.count(), Job.objects.count(), len(media_files())) == stored
    # the same image at one pass still fits: 2.25 of 2.5 Mpx
    assert upload(client, 500, 500).status_code == 202


def test_best_quality_on_an_image_whose_8_passes_exceed_the_whole_budget_is_400(client, settings, tiny_denoiser):
    settings.AEWEB_PIXEL_BUDGET_MEGAPIXELS = 1.5
    refused = client.post("/api/denoise/", {"image": png(500, 500), "self_ensemble": "true"})
    assert refused.status_code == 400
    assert "Best quality" in refused.json()["error"]["message"] and not DenoiseRequest.objects.exists()
    assert upload(client, 500, 500).status_code == 202
