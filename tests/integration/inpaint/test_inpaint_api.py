"""Inpainting over REST without a worker: every refusal is a 400 naming the field with nothing stored (no row,
no file, no job), 404 for an unknown or expired request, 409 without a model for that kind of image, 503 with
the broker down; accepted requests store the image and the mask they will be filled with."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image

from apps.core.models import Job
from apps.inpaint.models import InpaintRequest
from tests.integration.core.test_core_api import broker_down
from tests.integration.denoise import files
from tests.integration.inpaint.conftest import mask_png, media_files, photo_png, placeholder_register, png

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def post(client, *, image: bytes | None = None, mask: bytes | str | None = None, **fields):
    body = dict(fields)
    if image is not None:
        body["image"] = io.BytesIO(image)
        body["image"].name = "photo.png"
    if isinstance(mask, bytes):
        body["mask"] = io.BytesIO(mask)
        body["mask"].name = "mask.png"
    elif mask is not None:
        body["mask"] = mask
    return client.post("/api/inpaint/", body, format="multipart")


def assert_nothing_stored() -> None:
    assert not InpaintRequest.objects.exists()
    assert not Job.objects.filter(kind="inpaint.image").exists()
    assert media_files() == []


def assert_400(response, field: str, word: str = "") -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["details"], error
    assert word.lower() in error["message"].lower(), error["message"]
    assert_nothing_stored()


def stored(relpath_url: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relpath_url.removeprefix(settings.MEDIA_URL)


# --- accepted ---------------------------------------------------------------------------------


def test_item_sample_with_a_drawn_centre_mask_is_queued(placeholder_models, fashion_available, api_client):
    response = api_client.post("/api/inpaint/", {"sample": "item-19", "mask": "centre", "seed": 3}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["url"] == f"/api/inpaint/{body['id']}/"
    assert body["page_url"] == f"/inpaint/{body['id']}/"
    assert body["model"]["id"] == placeholder_models["fashion-mnist"].id and body["model"]["dataset"] == "fashion-mnist"
    assert body["mask_kind"] == "centre" and body["mask_seed"] == 3 and body["width"] == 28
    assert abs(body["coverage"] - 0.25) < 0.01  # the centre 14×14 of 28×28
    assert body["output_url"] is None and body["masked_url"] is None and body["baselines"] == {}
    mask = np.asarray(Image.open(stored(body["mask_url"])))
    assert mask.shape == (28, 28) and set(np.unique(mask)) == {0, 255}
    assert mask[7:21, 7:21].all() and not mask[:7].any()
    item = np.asarray(Image.open(stored(body["input_url"])))
    assert item.shape == (28, 28)
    job = Job.objects.get(id=body["job"])
    assert job.kind == "inpaint.image" and job.queue == "interactive" and str(body["id"]) not in str(job.params)
    assert api_client.get(body["url"]).json()["id"] == body["id"]


def test_upload_with_a_painted_mask_goes_to_the_photo_model(placeholder_models, api_client):
    response = post(api_client, image=photo_png(64, 48), mask=mask_png(64, 48, (8, 8, 24, 20)))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["model"]["dataset"] == "train400" and body["mask_kind"] == "painted" and body["mask_seed"] is None
    assert body["coverage"] == pytest.approx(16 * 12 / (64 * 48))
    mask = np.asarray(Image.open(stored(body["mask_url"]))) > 127
    assert mask[8:20, 8:24].all() and mask.sum() == 16 * 12


def test_transparent_pixels_of_a_mask_are_kept(placeholder_models, api_client):
    """An RGBA mask as the page sends it: white where painted, transparent elsewhere."""
    response = post(api_client, image=photo_png(40, 40), mask=mask_png(40, 40, (0, 0, 10, 40), mode="RGBA"))
    assert response.status_code == 202, response.content
    assert response.json()["coverage"] == pytest.approx(0.25)


def test_an_upload_with_a_drawn_mask_and_a_sample_with_a_painted_one(placeholder_models, api_client):
    drawn = post(api_client, image=photo_png(80, 60), mask="boxes", coverage="0.3", seed="7")
    assert drawn.status_code == 202, drawn.content
    assert drawn.json()["mask_kind"] == "boxes" and drawn.json()["mask_coverage"] == 0.3
    again = post(api_client, image=photo_png(80, 60), mask="boxes", coverage="0.3", seed="7")
    first, second = (np.asarray(Image.open(stored(r.json()["mask_url"]))) for r in (drawn, again))
    assert np.array_equal(first, second)  # the same seed draws the same mask
    painted = post(api_client, sample="camera", mask=mask_png(512, 512, (100, 100, 200, 180)))
    assert painted.status_code == 202, painted.content
    assert painted.json()["sample"] == "camera" and painted.json()["model"]["dataset"] == "train400"


def test_a_28x28_colour_upload_goes_to_the_photo_model(placeholder_models, api_client):
    rgb = np.full((28, 28, 3), 90, np.uint8)
    response = post(api_client, image=png(rgb), mask="centre")
    assert response.status_code == 202 and response.json()["model"]["dataset"] == "train400"
    grey = post(api_client, image=png(np.full((28, 28), 90, np.uint8)), mask="centre")
    assert grey.status_code == 202 and grey.json()["model"]["dataset"] == "fashion-mnist"


# --- refused ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(files.bad_inputs()))
def test_every_broken_upload_is_400(name, placeholder_models, api_client):
    data, word = files.bad_inputs()[name]
    assert_400(post(api_client, image=data, mask="centre"), "image", word)


def _mask_cases() -> dict[str, tuple[bytes | str, str]]:
    other = np.zeros((48, 64, 3), np.uint8)
    other[..., 0] = 255
    jpeg = io.BytesIO()
    Image.fromarray(np.full((48, 64), 255, np.uint8)).save(jpeg, format="JPEG")
    return {
        "other-size": (mask_png(32, 48), "but the image is 64×48"),
        "empty": (png(np.zeros((48, 64), np.uint8)), "empty"),
        "transparent": (png(np.zeros((48, 64, 4), np.uint8)), "empty"),
        "full": (png(other), "whole image"),
        "jpeg": (jpeg.getvalue(), "PNG"),
        "text": (b"this is not a mask at all", "PNG"),
        "zero-bytes": (b"", "empty"),
        "truncated": (mask_png(64, 48)[:40], ""),
        "bomb": (files.png_bomb(), "pixels"),
        "unknown-kind": ("circle", "centre"),
    }


@pytest.mark.parametrize("name", list(_mask_cases()))
def test_every_bad_mask_is_400(name, placeholder_models, api_client):
    mask, word = _mask_cases()[name]
    assert_400(post(api_client, image=photo_png(64, 48), mask=mask), "mask", word)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"coverage": "0.7"}, "coverage"),
        ({"coverage": "0"}, "coverage"),
        ({"coverage": "-0.1"}, "coverage"),
        ({"coverage": "lots"}, "coverage"),
        ({"coverage": "nan"}, "coverage"),
        ({"seed": "-1"}, "seed"),
        ({"sample": "camera"}, "image"),  # an image and a sample
        ({"sample": "lena"}, "sample"),
    ],
)
def test_bad_fields_are_400(fields, field, placeholder_models, api_client):
    assert_400(post(api_client, image=photo_png(), mask="freeform", **fields), field)


def test_no_image_no_mask_and_unknown_samples_are_400(placeholder_models, api_client):
    assert_400(post(api_client, mask="centre"), "image")
    assert_400(post(api_client, image=photo_png()), "mask")
    assert_400(post(api_client, sample="item-99999", mask="centre"), "sample")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"sample": "camera", "mask": "centre", "coverage": 0.9}, "coverage"),
        ({"sample": "camera", "mask": "centre", "coverage": "0.2"}, "coverage"),
        ({"sample": "nope", "mask": "centre"}, "sample"),
        ({"sample": "camera", "mask": "painted"}, "mask"),
        ({"sample": "camera"}, "mask"),
        ({"mask": "centre"}, "sample"),
        ({"sample": "camera", "mask": "pixels", "seed": 1.5}, "seed"),
    ],
)
def test_bad_json_is_400(body, field, placeholder_models, api_client):
    assert_400(api_client.post("/api/inpaint/", body, format="json"), field)


def test_no_active_model_is_409_naming_the_training(db, api_client, fashion_available):
    response = post(api_client, image=photo_png(), mask="centre")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    assert "train inpainter --dataset train400" in response.json()["error"]["message"]
    placeholder_register("train400")  # photos have a model now, items still not
    items = api_client.post("/api/inpaint/", {"sample": "item-19", "mask": "centre"}, format="json")
    assert items.status_code == 409 and "--dataset fashion-mnist" in items.json()["error"]["message"]
    assert_nothing_stored()


def test_broker_down_is_503_and_nothing_is_stored(placeholder_models, api_client):
    with broker_down():
        response = post(api_client, image=photo_png(), mask=mask_png(64, 48))
    assert response.status_code == 503 and response.json()["error"]["code"] == "unavailable"
    assert_nothing_stored()


def test_over_the_pixel_budget_is_refused_and_refunds_nothing_stored(placeholder_models, api_client, settings):
    settings.AEWEB_PIXEL_BUDGET_MEGAPIXELS = 0.001  # 1,000 pixels: a 64×48 image is more than the whole budget
    assert_400(post(api_client, image=photo_png(), mask="centre"), "image", "megapixels")


def test_unknown_or_expired_request_is_404(placeholder_models, api_client):
    response = api_client.get("/api/inpaint/7d0f4c55-2c57-4c55-9d2c-4a1f7a57d000/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api_client.get("/inpaint/7d0f4c55-2c57-4c55-9d2c-4a1f7a57d000/").status_code == 404
    created = post(api_client, image=photo_png(), mask="centre").json()
    InpaintRequest.objects.filter(id=created["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_client.get(created["url"]).status_code == 404
    assert api_client.get(created["page_url"]).status_code == 404


def test_purge_deletes_expired_rows_and_their_files(placeholder_models, api_client):
    from apps.inpaint.services import inpaint_requests_purge

    keep = post(api_client, image=photo_png(), mask="centre").json()
    gone = post(api_client, image=photo_png(), mask="pixels").json()
    InpaintRequest.objects.filter(id=gone["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert inpaint_requests_purge() == 1
    assert list(InpaintRequest.objects.values_list("id", flat=True)) == [__import__("uuid").UUID(keep["id"])]
    assert {p.parent.name for p in media_files()} == {keep["id"]}


def test_schema_documents_both_paths(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    post_op = schema["paths"]["/api/inpaint/"]["post"]
    assert {"multipart/form-data", "application/json"} <= set(post_op["requestBody"]["content"])
    assert {"202", "400", "409", "503"} <= set(post_op["responses"])
    detail = schema["paths"]["/api/inpaint/{request_id}/"]["get"]
    assert "404" in detail["responses"]
    fields = schema["components"]["schemas"]["InpaintRequest"]["properties"]
    for key in ("input_url", "mask_url", "masked_url", "output_url", "psnr", "ssim", "psnr_masked", "baselines",
                "coverage", "mask_kind", "model", "seconds", "status", "progress", "error", "page_url"):  # fmt: skip
        assert key in fields, key


# --- the page's helpers -----------------------------------------------------------------------


def test_the_page_the_item_pngs_and_the_drawn_mask_preview(placeholder_models, fashion_available, client):
    page = client.get("/inpaint/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-sample="item-19"' in text and 'data-sample="chelsea"' in text and "deleted after 24 hours" in text
    item = client.get("/inpaint/samples/item-19.png")
    assert item.status_code == 200 and item["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(item.content)).size == (28, 28)
    assert client.get("/inpaint/samples/item-99999.png").status_code == 404
    preview = client.get("/inpaint/mask.png", {"kind": "centre", "width": 28, "height": 28, "seed": 1})
    assert preview.status_code == 200
    alpha = np.asarray(Image.open(io.BytesIO(preview.content)).convert("LA"))[..., 1]
    assert alpha.shape == (28, 28) and alpha[14, 14] == 255 and alpha[0, 0] == 0
    for bad in ({"kind": "circle", "width": 28, "height": 28, "seed": 1},
                {"kind": "centre", "width": 0, "height": 28, "seed": 1},
                {"kind": "centre", "width": 28, "height": 28, "seed": 1, "coverage": "0.9"}):  # fmt: skip
        assert client.get("/inpaint/mask.png", bad).status_code == 400
