"""The gallery API over a real database: bad input is a 4xx in the JSON error shape and queues nothing."""

from __future__ import annotations

import pytest

from apps.core.models import Job
from apps.gallery.models import GeneratedImage, ImageKind
from tests.integration.gallery.helpers import fake_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions():
    default = fake_version()
    conditional = fake_version(slot="conditional", name="conditional")
    other = fake_version(activate=False)
    images = [
        GeneratedImage.objects.create(file=f"gallery/t/{i}.png", model_version=default, position=i, latent=[0.0] * 16)
        for i in range(3)
    ]
    foreign = GeneratedImage.objects.create(file="gallery/t/o.png", model_version=other, latent=[0.0] * 16)
    grid = GeneratedImage.objects.create(file="gallery/t/m.png", model_version=default, kind=ImageKind.LATENT_MAP)
    return {"default": default, "conditional": conditional, "images": images, "foreign": foreign, "grid": grid}


def assert_error(response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    if field:
        assert field in body["error"]["details"] or field in body["error"]["message"], body
    assert not Job.objects.exists(), "nothing may be queued on bad input"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 65}, "count"),
        ({"count": "many"}, "count"),
        ({"count": 4, "temperature": 0}, "temperature"),
        ({"count": 4, "temperature": -1}, "temperature"),
        ({"count": 4, "temperature": 3.5}, "temperature"),
        ({"count": 4, "label": "dragon"}, "label"),
        ({"count": 4, "label": "11"}, "label"),
        ({"count": 4, "dataset": "cifar10"}, "dataset"),
    ],
)
def test_generate_bad_input_is_400(api_client, versions, body, field):
    assert_error(api_client.post("/api/gallery/generate/", body, format="json"), 400, field)


def test_generate_without_active_model_is_409(api_client):
    response = api_client.post("/api/gallery/generate/", {"count": 4}, format="json")
    assert_error(response, 409)
    assert "train vae" in response.json()["error"]["message"]


def test_interpolate_bad_input(api_client, versions):
    a, b, _ = versions["images"]
    cases = [
        ({"start": a.id, "end": 987654, "steps": 4}, 404, None),
        ({"start": 987654, "end": a.id, "steps": 4}, 404, None),
        ({"start": a.id, "end": versions["foreign"].id, "steps": 4}, 400, "end"),
        ({"start": a.id, "end": versions["grid"].id, "steps": 4}, 400, "end"),
        ({"start": a.id, "end": b.id, "steps": 1}, 400, "steps"),
        ({"start": a.id, "end": b.id, "steps": 17}, 400, "steps"),
        ({"start": "x", "end": b.id}, 400, "start"),
        ({"end": b.id}, 400, "start"),
    ]
    for body, status, field in cases:
        assert_error(api_client.post("/api/gallery/interpolate/", body, format="json"), status, field)


def test_latent_map_and_reconstruct_bad_input(api_client, versions):
    assert_error(api_client.post("/api/gallery/latent-map/", {}, format="json"), 409)  # no latent2d model
    assert_error(api_client.post("/api/gallery/latent-map/", {"grid": 1}, format="json"), 400, "grid")
    assert_error(api_client.post("/api/gallery/reconstruct/", {"count": 33}, format="json"), 400, "count")


def test_good_requests_are_202_with_the_job(api_client, versions):
    a, b, _ = versions["images"]
    response = api_client.post("/api/gallery/generate/", {"count": 5, "seed": 9, "label": "7"}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "gallery.generate" and body["status"] == "queued"
    assert body["url"] == f"/api/jobs/{body['id']}/"
    assert body["params"]["label"] == 7 and body["params"]["model_version"] == versions["conditional"].id
    response = api_client.post("/api/gallery/interpolate/", {"start": a.id, "end": b.id, "steps": 3}, format="json")
    assert response.status_code == 202 and response.json()["params"]["steps"] == 3


def test_listing_pages_and_filters(api_client, versions):
    body = api_client.get("/api/gallery/?page_size=2").json()
    assert body["count"] == 5 and body["pages"] == 3 and body["next"] == 2 and len(body["results"]) == 2
    first = body["results"][0]
    assert {"id", "url", "seed", "label", "latent", "model_version", "created"} <= set(first)
    assert first["url"].startswith("/media/gallery/")
    assert api_client.get(f"/api/gallery/?model_version={versions['foreign'].model_version_id}").json()["count"] == 1
    assert api_client.get("/api/gallery/?kind=latent-map").json()["count"] == 1
    assert api_client.get("/api/gallery/?label=Sneaker").json()["count"] == 0
    assert_error(api_client.get("/api/gallery/?page=0"), 400, "page")
    assert_error(api_client.get("/api/gallery/?kind=cat"), 400, "kind")
    assert api_client.get(f"/api/gallery/{versions['grid'].id}/").json()["kind"] == "latent-map"
    assert_error(api_client.get("/api/gallery/987654/"), 404)


def test_gallery_page_renders(client, versions):
    page = client.get("/gallery/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="generate-form"' in html and html.count('class="gallery-item"') == 4
    assert client.get("/gallery/?kind=all&label=x&model_version=abc&page=99").status_code == 200
    home = client.get("/").content.decode()
    assert "Image gallery" in home and 'href="/gallery/"' in home
