"""Crafted input gets a 4xx in the JSON error shape and changes nothing; the schema says what the API does."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.cache import cache
from PIL import Image

from apps.core import services
from apps.core.image_upload_check import MIN_SIDE
from apps.core.models import Job
from apps.denoise.models import DenoiseRequest
from tests.integration.gallery.helpers import fake_version

pytestmark = pytest.mark.django_db

TOO_BIG_ID = 2**63  # 9223372036854775808: one past the largest id a database integer holds
NESTED = "[" * 1500 + "]" * 1500  # 3 KB; RecursionError in the JSON decoder, a 500, before


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield


@pytest.fixture
def root_client(django_user_model):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_superuser("root", password="root-pass-123"))
    return client


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return body["error"]


def api_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def json_post_paths() -> list[str]:
    """Every POST operation of the API that takes a JSON body, its path parameters filled in."""
    fill = {
        "slug": "tiny",
        "job_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        "version_id": "1",
        "run_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    }
    paths = []
    for path, operations in api_schema()["paths"].items():
        body = operations.get("post", {}).get("requestBody", {})
        if "application/json" in body.get("content", {}):
            paths.append(re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], path))
    return paths


def test_every_json_post_refuses_deep_nesting_with_a_400(root_client):
    paths = json_post_paths()
    assert {"/api/jobs/", "/api/gallery/generate/", "/api/denoise/demo/", "/api/auth/token/"} <= set(paths)
    for path in paths:
        cache.clear()  # the token endpoint's login throttle counts every attempt
        response = root_client.post(path, NESTED, content_type="application/json")
        error = error_of(response, 400)
        assert "nest" in error["message"], (path, error)
    # Deep enough to parse, still too deep for any request of this API.
    response = root_client.post("/api/gallery/generate/", "[" * 40 + "]" * 40, content_type="application/json")
    assert "nest" in error_of(response, 400)["message"]
    assert not Job.objects.exists()


def test_bodies_django_refuses_to_read_are_json_errors(client, settings):
    # Under the body-size middleware's limit (so the request reaches Django's parsers), over Django's own.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    body = json.dumps({"count": 2, "pad": "x" * 5000})
    error = error_of(client.post("/api/gallery/generate/", body, content_type="application/json"), 413)
    assert error["code"] == "too_large" and error["details"]["limit"] == 2000
    error = error_of(client.post("/api/denoise/", {"sample": "x" * 5000}), 413)
    assert error["code"] == "too_large"
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    error_of(client.post("/api/denoise/", {f"field{i}": "1" for i in range(20)}), 400)
    assert not Job.objects.exists() and not DenoiseRequest.objects.exists()


def test_ids_too_large_for_the_database_are_4xx(api_client, root_client):
    fake_version()
    assert "model_version" in error_of(api_client.get(f"/api/gallery/?model_version={TOO_BIG_ID}"), 400)["details"]
    assert api_client.get(f"/api/gallery/?model_version={TOO_BIG_ID - 1}").status_code == 200
    error_of(api_client.get(f"/api/gallery/{TOO_BIG_ID}/"), 404)
    error_of(api_client.get(f"/api/models/{TOO_BIG_ID}/"), 404)
    error_of(root_client.post(f"/api/models/{TOO_BIG_ID}/activate/"), 404)
    error_of(api_client.get(f"/api/items/{TOO_BIG_ID}/"), 404)
    body = {"start": TOO_BIG_ID, "end": TOO_BIG_ID}
    assert error_of(api_client.post("/api/gallery/interpolate/", body, format="json"), 400)["details"]
    assert api_client.get(f"/gallery/?model_version={TOO_BIG_ID}").status_code == 200  # the page ignores it


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/gallery/generate/", {"label": "-1"}, "label"),  # read as class 1, before
        ("/api/gallery/generate/", {"label": "+3"}, "label"),
        ("/api/gallery/generate/", {"label": "07"}, "label"),
        ("/api/gallery/generate/", {"label": 7}, "label"),  # the schema says a string
        ("/api/gallery/generate/", {"temperature": True}, "temperature"),  # 1.0, before
        ("/api/gallery/generate/", {"temperature": "1.5"}, "temperature"),
        ("/api/gallery/generate/", {"temperature": 0.0}, "temperature"),
        ("/api/gallery/generate/", {"count": "3"}, "count"),  # 3, before
        ("/api/gallery/generate/", {"count": True}, "count"),
        ("/api/gallery/generate/", {"seed": "5"}, "seed"),
        ("/api/gallery/generate/", {"dataset": 1}, "dataset"),
        ("/api/gallery/interpolate/", {"start": "1", "end": 2}, "start"),
        ("/api/gallery/latent-map/", {"span": True}, "span"),
        ("/api/gallery/reconstruct/", {"count": "2"}, "count"),
        ("/api/denoise/demo/", {"count": "3"}, "count"),
        ("/api/denoise/demo/", {"noise_std": True}, "noise_std"),
        ("/api/denoise/demo/", {"noise_std": 0.0}, "noise_std"),
        ("/api/denoise/demo/", {"seed": 1.5}, "seed"),
        ("/api/datasets/tiny/recommendations/", {"ratings": []}, "ratings"),
        ("/api/datasets/tiny/recommendations/", {"ratings": [{"item": 1, "rating": 4}], "k": "3"}, "k"),
        ("/api/auth/token/", {"username": 1, "password": "x"}, "username"),
    ],
)
def test_json_types_are_strict(api_client, path, body, field):
    fake_version()
    fake_version(slot="conditional", name="conditional")
    error = error_of(api_client.post(path, body, format="json"), 400)
    assert field in error["details"], error
    assert not Job.objects.exists()


def test_the_strict_fields_still_take_what_the_schema_allows(api_client):
    fake_version()
    fake_version(slot="conditional", name="conditional")
    for body in ({"count": 2, "temperature": 1}, {"count": 2.0, "label": "Sneaker"}, {"label": "7", "seed": 3}):
        assert api_client.post("/api/gallery/generate/", body, format="json").status_code == 202, body


def png(width: int, height: int) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("L", (width, height), 128).save(out, format="PNG")
    out.seek(0)
    out.name = f"{width}x{height}.png"
    return out


@pytest.mark.parametrize(("width", "height"), [(1, 1), (1_000_000, 1), (1, 4000), (MIN_SIDE - 1, 500)])
def test_images_too_small_on_a_side_are_refused_before_anything_is_stored(api_client, width, height):
    error = error_of(api_client.post("/api/denoise/", {"image": png(width, height)}, format="multipart"), 400)
    assert "image" in error["details"] and f"{width}×{height}" in error["message"]
    assert f"at least {MIN_SIDE}" in error["message"]
    assert not DenoiseRequest.objects.exists() and not Job.objects.exists()


def test_denoise_says_which_of_image_and_sample_to_send(api_client):
    neither = error_of(api_client.post("/api/denoise/", {"sigma": "5"}, format="multipart"), 400)
    assert neither["message"] == "image: send an image file or a sample name"
    both = error_of(api_client.post("/api/denoise/", {"image": png(32, 32), "sample": "camera"}), 400)
    assert "not both" in both["message"]
    empty_sigma = error_of(api_client.post("/api/denoise/", {"sample": "camera", "sigma": ""}), 400)
    assert "sigma" in empty_sigma["details"]


# --- schema and API agree -------------------------------------------------------------------------


def _body_schema(schema: dict, path: str, media: str = "application/json") -> dict:
    ref = schema["paths"][path]["post"]["requestBody"]["content"][media]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _query_param(schema: dict, path: str, name: str) -> dict:
    return next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)["schema"]


def test_empty_filters_are_allowed_by_both(api_client, root_client, tmp_path):
    from tests.integration.recommender.test_api_recommendations import dataset_with_model

    dataset_with_model(tmp_path)
    schema = api_schema()
    order = _query_param(schema, "/api/datasets/{slug}/items/", "order")
    assert "" in order["enum"]
    assert api_client.get("/api/datasets/tiny/items/?order=").status_code == 200
    job = _query_param(schema, "/api/gallery/", "job")
    assert re.fullmatch(job["pattern"], "") and re.fullmatch(job["pattern"], "3f2504e0-4f89-41d3-9a0c-0305e82c3301")
    assert api_client.get("/api/gallery/?job=").status_code == 200
    assert "job" in error_of(api_client.get("/api/gallery/?job=urn:uuid:3f2504e0"), 400)["details"]
    for path in ("/api/models/", "/api/jobs/"):
        assert "minLength" not in _query_param(schema, path, "kind")
    assert api_client.get("/api/models/?kind=").status_code == 200
    assert root_client.get("/api/jobs/?kind=&status=").status_code == 200


def test_the_schema_states_the_limits_the_api_checks():
    schema = api_schema()
    foldin = _body_schema(schema, "/api/datasets/{slug}/recommendations/")
    assert foldin["properties"]["ratings"]["minItems"] == 1
    for path, field in (("/api/gallery/generate/", "temperature"), ("/api/denoise/demo/", "noise_std")):
        number = _body_schema(schema, path)["properties"][field]
        assert number["minimum"] == 0 and number["exclusiveMinimum"] is True, number
    upload = _body_schema(schema, "/api/denoise/", "multipart/form-data")
    assert [branch["required"] for branch in upload["oneOf"]] == [["image"], ["sample"]]
    assert upload["properties"]["sigma"].get("nullable") is not True  # a form field is a number or left out
    kinds = _body_schema(schema, "/api/jobs/")["properties"]["kind"]
    enum = schema["components"]["schemas"][kinds["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
    assert {"recommender", "vae", "denoiser"} <= set(enum)


def test_training_request_kinds_come_from_the_registry(root_client):
    error = error_of(root_client.post("/api/jobs/", {"kind": "poetry"}, format="json"), 400)
    assert "kind" in error["details"]
    assert not Job.objects.exists()
    services.job_create(kind="core.selftest", params={}, enqueue=False)  # the API lists it for its permitted user
    assert len(root_client.get("/api/jobs/").json()) == 1
