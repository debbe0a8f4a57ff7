"""Segmentation over REST without a worker: what is refused (400 naming the field, 404, 409, 503) leaves no row,
no file and no job behind; what is accepted is stored with its true mask and queued; the schema says both ways
of asking (multipart upload, JSON sample); the pages render."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from apps.core.models import Job
from apps.segment.models import SegmentRequest
from tests.integration.core.test_core_api import broker_down
from tests.integration.denoise import files
from tests.integration.segment.conftest import media, media_files, png_upload, tiny_segmenter_register

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def upload(client, data: bytes | None = None, name: str = "photo.png", **fields):
    body = dict(fields)
    if data is not None:
        body["image"] = png_upload(data, name)
    return client.post("/api/segment/", body, format="multipart")


def sample(client, **body):
    return client.post("/api/segment/", body, format="json")


def assert_nothing_stored() -> None:
    assert not SegmentRequest.objects.exists()
    assert not Job.objects.filter(kind="segment.image").exists()
    assert media_files() == []


def error_of(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    if field is not None:
        assert field in error["details"], error
    return error


def test_a_scene_is_stored_with_its_truth_and_queued(tiny_segmenter, fashion_dir, api_client):
    response = sample(api_client, sample="scene", seed=7)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["url"] == f"/api/segment/{body['id']}/"
    assert body["page_url"] == f"/segment/{body['id']}/"
    assert body["sample"] == "scene-7" and body["dataset"] == "fashionopolis"
    assert body["mask_url"] is None and body["overlay_url"] is None and body["scores"] is None
    assert body["model"] == {"id": tiny_segmenter.id, "version": 1, "name": "unet", "dataset": "fashionopolis"}
    assert [c["name"] for c in body["classes"]][:2] == ["background", "T-shirt/top"] and len(body["classes"]) == 11
    assert all(c["area"] is None and c["colour"].startswith("#") for c in body["classes"])
    image = Image.open(media(body["input_url"]))
    truth = Image.open(media(body["truth_url"]))
    assert image.size == truth.size == (body["width"], body["height"]) and image.mode == "RGB"
    labels = np.asarray(Image.open(media(body["truth_url"]).with_name("truth-labels.png")))
    assert labels.max() <= 10 and (labels > 0).any()  # items on a background
    job = Job.objects.get(id=body["job"])
    assert job.kind == "segment.image" and job.queue == "interactive" and body["id"] not in str(job.params)
    # The same scene by name: the same picture.
    again = sample(api_client, sample="scene-7").json()
    assert media(again["input_url"]).read_bytes() == media(body["input_url"]).read_bytes()
    assert api_client.get(body["url"]).json()["id"] == body["id"]


def test_an_upload_is_stored_and_queued(tiny_segmenter, api_client):
    response = upload(api_client, files.png((90, 70), "RGBA"), name="mine.png")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["sample"] == "" and body["truth_url"] is None and body["dataset"] == "fashionopolis"
    assert (body["width"], body["height"], body["mode"], body["format"]) == (90, 70, "RGBA", "PNG")
    assert Image.open(media(body["input_url"])).size == (90, 70)


@pytest.mark.parametrize("name", list(files.bad_inputs()))
def test_bad_image_is_400_and_nothing_is_stored(name, tiny_segmenter, api_client):
    data, word = files.bad_inputs()[name]
    error = error_of(upload(api_client, data, name=f"{name}.bin"), 400, "image")
    assert error["code"] == "invalid" and word.lower() in error["message"].lower(), error["message"]
    assert_nothing_stored()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"sample": "cat"}, "sample"),
        ({"sample": ""}, "sample"),
        ({"sample": 3}, "sample"),
        ({"seed": 3}, "sample"),
        ({"sample": "scene", "seed": -1}, "seed"),
        ({"sample": "scene", "seed": 2**31}, "seed"),
        ({"sample": "scene", "seed": "3"}, "seed"),
        ({"sample": "scene", "seed": True}, "seed"),
        ({"sample": "scene-99999999999"}, "sample"),
        ({"sample": "scene-4", "seed": 5}, "seed"),
        ({"sample": "em-30"}, "sample"),
        ({"sample": "em"}, "sample"),
        ({"sample": "em-3", "seed": 1}, "seed"),
        ({"sample": "scene", "dataset": "isbi-em"}, "dataset"),
        ({"sample": "scene", "dataset": "cityscapes"}, "dataset"),
    ],
)
def test_bad_sample_fields_are_400_and_nothing_is_stored(body, field, tiny_segmenter, api_client):
    error_of(sample(api_client, **body), 400, field)
    assert_nothing_stored()


def test_bad_upload_fields_are_400(tiny_segmenter, api_client):
    error_of(upload(api_client, files.png(), dataset="cityscapes"), 400, "dataset")
    error_of(api_client.post("/api/segment/", {"dataset": "fashionopolis"}, format="multipart"), 400, "image")
    error_of(api_client.post("/api/segment/", b"{not json", content_type="application/json"), 400)
    assert_nothing_stored()


def test_over_the_byte_and_pixel_limits_is_400(tiny_segmenter, api_client, settings):
    settings.AEWEB_UPLOAD_MAX_BYTES = 2000
    assert "limit" in error_of(upload(api_client, files.png((64, 64))), 400, "image")["message"]
    settings.AEWEB_UPLOAD_MAX_BYTES = 10 * 2**20
    settings.AEWEB_UPLOAD_MAX_PIXELS = 4000
    assert "megapixels" in error_of(upload(api_client, files.png((100, 50))), 400, "image")["message"]
    assert_nothing_stored()


def test_pixel_budget_is_shared_and_refunded(tiny_segmenter, fashion_dir, api_client, settings):
    settings.AEWEB_PIXEL_BUDGET_MEGAPIXELS = 0.02  # 20,000 pixels: one 128×128 scene, not two
    assert sample(api_client, sample="scene-1").status_code == 202
    refused = sample(api_client, sample="scene-2")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"
    assert "segmented" in refused.json()["error"]["message"]
    assert SegmentRequest.objects.count() == 1


def test_no_active_model_is_409_and_nothing_is_stored(db, fashion_dir, api_client):
    for response in (upload(api_client, files.png()), sample(api_client, sample="scene", seed=1)):
        error = error_of(response, 409)
        assert error["code"] == "conflict" and "train segmenter --dataset fashionopolis" in error["message"]
    tiny_segmenter_register("fashionopolis")  # the EM model is still missing
    error = error_of(upload(api_client, files.png(), dataset="isbi-em"), 409)
    assert "train segmenter --dataset isbi-em" in error["message"]
    assert_nothing_stored()


def test_em_slice_without_the_data_is_409_and_nothing_is_stored(db, api_client, settings, tmp_path):
    tiny_segmenter_register("isbi-em")
    settings.AEWEB_DATA_DIR = str(tmp_path)  # no isbi-em folder there
    error = error_of(sample(api_client, sample="em-25"), 409)
    assert "isbi-em" in error["message"] and "not on this server" in error["message"]
    assert_nothing_stored()


def test_an_em_slice_is_stored_with_its_label(db, em_dir, api_client):
    tiny_segmenter_register("isbi-em")
    response = sample(api_client, sample="em-25")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["dataset"] == "isbi-em" and [c["name"] for c in body["classes"]] == ["cell", "membrane"]
    labels = np.asarray(Image.open(media(body["truth_url"]).with_name("truth-labels.png")))
    truth = np.asarray(Image.open(em_dir / "label" / "25.png").convert("L")) < 128
    assert labels.shape == (512, 512) and np.array_equal(labels == 1, truth)


def test_broker_down_is_503_and_nothing_is_stored(tiny_segmenter, fashion_dir, api_client):
    with broker_down():
        assert upload(api_client, files.png()).status_code == 503
        assert sample(api_client, sample="scene", seed=3).status_code == 503
    assert not SegmentRequest.objects.exists() and media_files() == []


def test_unknown_or_expired_request_is_404(tiny_segmenter, api_client):
    from django.utils import timezone

    missing = "7d0f4c55-2c57-4c55-9d2c-4a1f7a57d000"
    assert error_of(api_client.get(f"/api/segment/{missing}/"), 404)["code"] == "not_found"
    assert api_client.get(f"/segment/{missing}/").status_code == 404
    body = upload(api_client, files.png()).json()
    SegmentRequest.objects.filter(id=body["id"]).update(expires_at=timezone.now())
    assert error_of(api_client.get(body["url"]), 404)["code"] == "not_found"
    assert api_client.get(body["page_url"]).status_code == 404


def test_schema_documents_both_ways_of_asking():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    post = schema["paths"]["/api/segment/"]["post"]
    content = post["requestBody"]["content"]
    assert set(content) >= {"multipart/form-data", "application/json"}
    assert {"202", "400", "409", "429", "503"} <= set(post["responses"])
    detail = schema["paths"]["/api/segment/{request_id}/"]["get"]
    assert {"200", "404"} <= set(detail["responses"])
    props = schema["components"]["schemas"]["SegmentRequest"]["properties"]
    for key in ("input_url", "mask_url", "overlay_url", "labels_url", "truth_url", "classes", "scores", "model"):
        assert key in props, key


def test_pages_render_with_scenes_and_thumbnails(tiny_segmenter, fashion_dir, client):
    page = client.get("/segment/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-sample="scene-1"' in text and "scene-new" in text and "deleted after 24 hours" in text
    assert "segment-config" in text and 'id="scene-no-model"' not in text
    thumb = client.get("/segment/scenes/1.png")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(thumb.content)).size == (128, 128)
    assert thumb.content == client.get("/segment/scenes/1.png").content
    assert client.get("/segment/scenes/2.png").content != thumb.content
    assert client.get(f"/segment/scenes/{2**31}.png").status_code == 404
    assert client.get("/segment/em/99.png").status_code == 404


def test_page_says_how_to_train_without_models(db, fashion_dir, client):
    text = client.get("/segment/").content.decode()
    assert 'id="scene-no-model"' in text and "train segmenter --dataset fashionopolis" in text


def test_result_page_follows_a_queued_request(tiny_segmenter, api_client, client):
    body = upload(api_client, files.png()).json()
    page = client.get(body["page_url"])
    assert page.status_code == 200 and b"job-progress" in page.content and b"noindex" in page.content


def test_page_offers_em_slices_with_a_model(db, em_dir, client):
    text = client.get("/segment/").content.decode()
    assert 'id="em-no-model"' in text and 'data-sample="em-24"' not in text
    tiny_segmenter_register("isbi-em")
    text = client.get("/segment/").content.decode()
    assert 'id="em-model"' in text and text.count('data-sample="em-') == 30
    assert text.index('data-sample="em-24"') < text.index('data-sample="em-0"')  # held-out test slices first
    thumb = client.get("/segment/em/24.png")
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).size == (160, 160)


def test_admin_lists_requests_read_only(tiny_segmenter, api_client, client, staff_user):
    body = upload(api_client, files.png()).json()
    client.force_login(staff_user)
    listing = client.get("/admin/segment/segmentrequest/")
    assert listing.status_code == 200 and body["id"] in listing.content.decode()
    assert client.get("/admin/segment/segmentrequest/add/").status_code == 403
    assert client.get(f"/admin/segment/segmentrequest/{body['id']}/change/").status_code == 200  # view only


def test_result_page_of_a_request_whose_job_went(tiny_segmenter, api_client, client):
    body = upload(api_client, files.png()).json()
    Job.objects.filter(id=body["job"]).delete()
    assert api_client.get(body["url"]).json()["status"] == "failed"
    page = client.get(body["page_url"])
    assert page.status_code == 200 and b"its job was deleted" in page.content
