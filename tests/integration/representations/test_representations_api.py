"""The representations API over a real database, with versions made in NumPy (helpers.py).

Happy paths of every endpoint, and every bad input refused in the JSON error shape with nothing
stored: no job, no version, no file.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from PIL import Image

from apps.core import services as core_services
from apps.core.models import Job, ModelVersion
from tests.integration.representations.helpers import representation_version, sample_images, test_split

pytestmark = pytest.mark.django_db

PNG = "data:image/png;base64,"


def files_under(*roots: Path) -> set[Path]:
    return {p for root in roots if Path(root).exists() for p in Path(root).rglob("*") if p.is_file()}


@pytest.fixture
def stored():
    """What is stored before a request; the test then checks it is all still the same."""
    roots = (settings.MEDIA_ROOT, settings.AEWEB_ARTIFACT_DIR)
    before = (files_under(*roots), Job.objects.count(), ModelVersion.objects.count())
    yield
    assert (files_under(*roots), Job.objects.count(), ModelVersion.objects.count()) == before, "something was stored"


@pytest.fixture
def versions(fashion_dir):
    return {
        "pca": representation_version("pca", metrics={"test_recon_error": 40.0, "map_knn_acc": 0.5}),
        "vanilla": representation_version(
            "vanilla", metrics={"test_recon_error": 30.0, "pca_recon_error": 40.5, "probe_acc_10": 0.6}
        ),
        "tsne": representation_version("tsne", serving=False, metrics={"map_knn_acc": 0.7, "map_ms_per_image": None}),
        "conv8": representation_version("conv", code=8, metrics={"test_recon_error": 18.0, "pca_recon_error": 25.0}),
        "gan": representation_version("gan", encoder=False, samples={"samples": sample_images(64)}),
    }


def assert_error(response, status: int, code: str | None = None, text: str = "") -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"]), body
    if code:
        assert body["error"]["code"] == code, body
    if text:
        assert text.lower() in body["error"]["message"].lower(), body
    return body["error"]


def image_of(data_url: str) -> np.ndarray:
    assert data_url.startswith(PNG)
    with Image.open(io.BytesIO(base64.b64decode(data_url[len(PNG) :]))) as im:
        return np.asarray(im)


def png(pixels: np.ndarray, fmt: str = "PNG") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    buffer.seek(0)
    buffer.name = f"upload.{fmt.lower()}"
    return buffer


# --- list --------------------------------------------------------------------------------------------


def test_list_empty(api_client):
    body = api_client.get("/api/representations/").json()
    assert body["count"] == 0 and body["results"] == [] and body["maps"] == [] and body["dataset"] == "fashion-mnist"


def test_list_versions_with_figures_and_abilities(api_client, versions):
    body = api_client.get("/api/representations/?dataset=fashion-mnist").json()
    assert body["count"] == 5
    by_slot = {(r["slot"], r["code"]): r for r in body["results"]}
    pca = by_slot[("pca", 2)]
    assert pca["is_active"] and pca["title"] == "PCA" and pca["metrics"]["test_recon_error"] == 40.0
    assert pca["abilities"] == {"map": True, "decode": True, "encode": True}
    assert pca["urls"]["decode"] == f"/api/representations/{pca['id']}/decode/"
    assert by_slot[("tsne", 2)]["abilities"] == {"map": True, "decode": False, "encode": False}
    assert by_slot[("conv", 8)]["abilities"] == {"map": False, "decode": False, "encode": True}
    assert by_slot[("gan", 2)]["abilities"] == {"map": True, "decode": True, "encode": False}
    # The wardrobe's maps, in its order: PCA, the autoencoders, the GAN, t-SNE (no code-8 version).
    ids = {slot: v.id for slot, v in versions.items()}
    assert body["maps"] == [ids["pca"], ids["vanilla"], ids["gan"], ids["tsne"]]
    assert api_client.get("/api/representations/?dataset=mnist").json()["count"] == 0


@pytest.mark.parametrize("query", ["dataset=cifar10", "page=0", "page_size=500", "page=x"])
def test_list_bad_query_is_400(api_client, query):
    assert_error(api_client.get(f"/api/representations/?{query}"), 400, "invalid")


def test_list_page_past_the_end_is_404(api_client):
    assert_error(api_client.get("/api/representations/?page=3"), 404)


def test_map_prefers_the_active_code_2_version_else_the_newest(api_client, fashion_dir):
    first = representation_version("vae", metrics={})
    newest = representation_version("vae", activate=False)
    code8 = representation_version("vae", code=8)  # now the active one: not a map
    maps = api_client.get("/api/representations/").json()["maps"]
    assert maps == [newest.id] and first.id not in maps and code8.id not in maps
    core_services.model_version_activate(model_version=first)
    assert api_client.get("/api/representations/").json()["maps"] == [first.id]


# --- embedding ----------------------------------------------------------------------------------------


def test_embedding_points(api_client, versions):
    version = versions["pca"]
    body = api_client.get(f"/api/representations/{version.id}/embedding/").json()
    assert body["count"] == body["total"] == 10000 and len(body["points"]) == 10000
    assert body["title"] == "PCA" and body["class_names"][7] == "Sneaker"
    first = body["points"][0]
    assert set(first) == {"index", "x", "y", "label"} and first["index"] == 0
    _, labels = test_split()
    assert [p["label"] for p in body["points"][:50]] == labels[:50].tolist()
    xs = [p["x"] for p in body["points"]]
    assert body["range"]["x"] == [pytest.approx(min(xs)), pytest.approx(max(xs))]
    limited = api_client.get(f"/api/representations/{version.id}/embedding/?limit=7").json()
    assert limited["count"] == 7 and limited["total"] == 10000 and limited["points"] == body["points"][:7]


@pytest.mark.parametrize("query", ["limit=0", "limit=10001", "limit=x", "limit=-3"])
def test_embedding_bad_limit_is_400(api_client, versions, query):
    assert_error(api_client.get(f"/api/representations/{versions['pca'].id}/embedding/?{query}"), 400, "invalid")


def test_embedding_of_an_unknown_version_is_404(api_client, versions, fashion_dir):
    vae = core_services.model_version_create(
        kind="vae", dataset="fashion-mnist", name="conv", config={}, metrics={}, artifacts={}
    )
    for version_id in (999999, vae.id, 2**63):
        assert_error(api_client.get(f"/api/representations/{version_id}/embedding/"), 404, "not_found")


def test_embedding_of_a_version_without_a_map_is_409(api_client, versions):
    error = assert_error(api_client.get(f"/api/representations/{versions['conv8'].id}/embedding/"), 409, "no_map")
    assert "8 dimensions" in error["message"] and "--set code=2" in error["message"]


# --- decode -------------------------------------------------------------------------------------------


def test_decode_inside_and_outside_the_range(api_client, versions, stored):
    url = f"/api/representations/{versions['vanilla'].id}/decode/"
    inside = api_client.post(url, {"point": [0.0, 0.0]}, format="json")
    assert inside.status_code == 200, inside.content
    body = inside.json()
    assert body["extrapolated"] is False and body["point"] == [0.0, 0.0] and (body["width"], body["height"]) == (28, 28)
    low, high = body["range"]["low"], body["range"]["high"]
    assert len(low) == len(high) == 2 and low[0] < 0 < high[0]
    pixels = image_of(body["image"])
    assert pixels.shape == (28, 28) and pixels.dtype == np.uint8 and pixels.max() > 0

    outside = api_client.post(url, {"point": [high[0] * 3 + 1, 0]}, format="json").json()
    assert outside["extrapolated"] is True and image_of(outside["image"]).shape == (28, 28)
    integers = api_client.post(url, {"point": [1, -2]}, format="json").json()  # JSON integers are numbers too
    assert integers["point"] == [1.0, -2.0]


def test_decode_with_a_generator_only(api_client, versions):
    """A GAN decodes (its generator) but has no test codes: no range, never flagged."""
    body = api_client.post(f"/api/representations/{versions['gan'].id}/decode/", {"point": [9, 9]}, format="json")
    assert body.status_code == 200, body.content
    assert body.json()["range"] is None and body.json()["extrapolated"] is False


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"point": "1,2"},
        {"point": [1]},
        {"point": [1, 2, 3]},
        {"point": ["1", 2]},
        {"point": [True, 2]},
        {"point": [None, 2]},
        {"point": {"x": 1, "y": 2}},
        {"point": [1e7, 0]},
        {"point": [[1], [2]]},
    ],
)
def test_decode_bad_point_is_400(api_client, versions, stored, body):
    assert_error(
        api_client.post(f"/api/representations/{versions['pca'].id}/decode/", body, format="json"), 400, "invalid"
    )


def test_decode_not_json_is_400(api_client, versions, stored):
    url = f"/api/representations/{versions['pca'].id}/decode/"
    assert_error(api_client.post(url, "point=1,2", content_type="text/plain"), 400)
    assert_error(api_client.post(url, '{"point": [NaN, 1]}', content_type="application/json"), 400)
    assert_error(api_client.post(url, "{", content_type="application/json"), 400)


def test_decode_unknown_version_is_404(api_client, versions, stored):
    assert_error(api_client.post("/api/representations/987654/decode/", {"point": [0, 0]}, format="json"), 404)


def test_decode_without_a_2d_decoder_is_409(api_client, versions, stored):
    tsne = api_client.post(f"/api/representations/{versions['tsne'].id}/decode/", {"point": [0, 0]}, format="json")
    assert "t-sne has no decoder" in assert_error(tsne, 409, "no_decoder")["message"].lower()
    conv8 = api_client.post(f"/api/representations/{versions['conv8'].id}/decode/", {"point": [0, 0]}, format="json")
    message = assert_error(conv8, 409, "no_decoder")["message"]
    assert "8-D code" in message and "--set code=2" in message


# --- encode -------------------------------------------------------------------------------------------


def test_encode_a_28x28_png(api_client, versions, stored):
    images, _ = test_split()
    response = api_client.post(
        f"/api/representations/{versions['pca'].id}/encode/", {"image": png(images[3])}, format="multipart"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code_size"] == 2 and len(body["code"]) == 2 and body["notes"] == []
    assert body["position"] == {"x": pytest.approx(body["code"][0]), "y": pytest.approx(body["code"][1])}
    embedding = api_client.get(f"/api/representations/{versions['pca'].id}/embedding/?limit=4").json()["points"][3]
    assert (body["position"]["x"], body["position"]["y"]) == (pytest.approx(embedding["x"], abs=1e-4),
                                                              pytest.approx(embedding["y"], abs=1e-4))  # fmt: skip
    assert body["extrapolated"] is False
    assert (image_of(body["image"]) == images[3]).all() and image_of(body["reconstruction"]).shape == (28, 28)


def test_encode_a_bigger_photo_is_resized_with_notes(api_client, versions, stored):
    photo = np.full((60, 100, 3), 240, dtype=np.uint8)  # dark item on a light background, not square
    photo[15:45, 40:60] = 20
    response = api_client.post(
        f"/api/representations/{versions['vanilla'].id}/encode/", {"image": png(photo, "JPEG")}, format="multipart"
    )
    assert response.status_code == 200, response.content
    notes = " ".join(response.json()["notes"])
    assert "resized from 100×100 to 28×28" in notes and "padded from 100×60" in notes and "inverted" in notes
    pixels = image_of(response.json()["image"])
    assert pixels[0, 0] < 30 and pixels[14, 14] > 200  # light item on black, as the data set's


def test_encode_code_8_has_no_position(api_client, versions):
    images, _ = test_split()
    response = api_client.post(
        f"/api/representations/{versions['conv8'].id}/encode/", {"image": png(images[0])}, format="multipart"
    )
    body = response.json()
    assert response.status_code == 200 and body["code_size"] == 8 and body["position"] is None
    assert any("no 2-D map" in note for note in body["notes"])


def _bad_uploads() -> dict[str, tuple[dict, str]]:
    tiny = np.zeros((16, 64), dtype=np.uint8)
    text = io.BytesIO(b"this is not an image at all")
    text.name = "notes.txt"
    empty = io.BytesIO(b"")
    empty.name = "empty.png"
    svg = io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"></svg>')
    svg.name = "x.svg"
    # Noise does not compress: cutting at 200 bytes loses most of the pixel data (a flat image would
    # fit whole in the first chunk, and Pillow reads it without its end marker).
    noise = np.random.default_rng(0).integers(0, 256, (40, 40), dtype=np.uint8)
    truncated = png(noise).getvalue()[:200]
    cut = io.BytesIO(truncated)
    cut.name = "cut.png"
    return {
        "non-image": ({"image": text}, "not an image"),
        "too small": ({"image": png(tiny)}, "at least 28 pixels"),
        "empty": ({"image": empty}, "empty"),
        "svg": ({"image": svg}, "svg"),
        "truncated": ({"image": cut}, "truncated"),
        "no file": ({"invert": "auto"}, "image"),
        "bad invert": ({"image": png(np.zeros((28, 28), np.uint8)), "invert": "maybe"}, "invert"),
    }


@pytest.mark.parametrize("case", list(_bad_uploads()))
def test_encode_bad_upload_is_400(api_client, versions, stored, case):
    body, text = _bad_uploads()[case]
    response = api_client.post(f"/api/representations/{versions['pca'].id}/encode/", body, format="multipart")
    assert_error(response, 400, "invalid", text)


def test_encode_json_body_is_400(api_client, versions, stored):
    response = api_client.post(f"/api/representations/{versions['pca'].id}/encode/", {"image": "x"}, format="json")
    assert_error(response, 400)


def test_encode_over_the_pixel_limit_is_400(api_client, versions, stored, settings):
    settings.AEWEB_UPLOAD_MAX_PIXELS = 50 * 50
    response = api_client.post(
        f"/api/representations/{versions['pca'].id}/encode/",
        {"image": png(np.zeros((60, 60), np.uint8))},
        format="multipart",
    )
    assert_error(response, 400, "invalid", "limit")


def test_encode_unknown_version_is_404(api_client, versions, stored):
    response = api_client.post(
        "/api/representations/987654/encode/", {"image": png(np.zeros((28, 28), np.uint8))}, format="multipart"
    )
    assert_error(response, 404)


def test_encode_without_an_encoder_is_409(api_client, versions, stored):
    image = np.zeros((28, 28), np.uint8)
    tsne = api_client.post(f"/api/representations/{versions['tsne'].id}/encode/", {"image": png(image)})
    assert "cannot map a new point" in assert_error(tsne, 409, "no_encoder")["message"]
    gan = api_client.post(f"/api/representations/{versions['gan'].id}/encode/", {"image": png(image)})
    assert "no encoder" in assert_error(gan, 409, "no_encoder")["message"]


# --- compare ------------------------------------------------------------------------------------------


def test_compare_tables(api_client, fashion_dir):
    representation_version("pca", code=8, metrics={"test_recon_error": 25.0}, embedding=False)
    representation_version("vanilla", metrics={"test_recon_error": 30.0, "pca_recon_error": 40.5})
    probes = {f"probe_acc_{n}": 0.5 + i / 10 for i, n in enumerate(("10", "100", "1000", "all"))}
    conv = representation_version(
        "conv", code=8, metrics={"test_recon_error": 18.0, "pca_recon_error": 25.5, **probes, "probe_std_10": 0.02}
    )
    representation_version("tsne", serving=False, metrics={"map_knn_acc": 0.7, "map_trustworthiness": 0.98,
                                                            "fit_seconds": 12.5, "map_ms_per_image": None})  # fmt: skip
    representation_version("vae", metrics={"frechet": 30.0, "precision": 0.6, "recall": 0.4, "class_coverage": 10})
    representation_version("gan", encoder=False, metrics={"frechet": 20.0, "class_coverage": 7})
    body = api_client.get("/api/representations/compare/?dataset=fashion-mnist").json()
    assert body["labels_per_class"] == ["10", "100", "1000", "all"]
    recon = body["reconstruction"]
    assert recon["code_sizes"] == [2, 8]
    series = {s["model"]: {p["code"]: p["error"] for p in s["points"]} for s in recon["series"]}
    assert series["pca"] == {2: 40.5, 8: 25.0}  # its own version at 8; the vanilla trainer's PCA figure at 2
    assert series["vanilla"] == {2: 30.0} and series["conv"] == {8: 18.0} and "tsne" not in series
    probe = next(r for r in body["probes"] if r["model"] == "conv")
    assert probe["version"] == conv.id and probe["code"] == 8
    assert [c["probe_acc"] for c in probe["cells"]] == [0.5, 0.6, 0.7, 0.8] and probe["cells"][0]["probe_std"] == 0.02
    maps = {r["model"]: r for r in body["maps"]}
    assert set(maps) == {"vanilla", "tsne", "vae", "gan"}
    assert maps["tsne"]["knn_acc"] == 0.7 and maps["tsne"]["fit_seconds"] == 12.5
    assert maps["tsne"]["ms_per_image"] is None
    gan = {r["model"]: r for r in body["ae_vs_gan"]}
    assert gan["vae"]["frechet"] == 30.0 and gan["gan"]["class_coverage"] == 7
    assert gan["gan"]["test_recon_error"] is None


def test_compare_bad_dataset_is_400(api_client):
    assert_error(api_client.get("/api/representations/compare/?dataset=imagenet"), 400, "invalid")


# --- training requests --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "autoencoder"}, "model"),
        ({"model": "umap", "config": {"code": 8}}, "config.code"),
        ({"model": "pca", "config": {"code": 0}}, "config.code"),
        ({"model": "vae", "config": {"probe": "yes"}}, "config.probe"),
        ({"model": "vae", "config": {"draws": 0}}, "config.draws"),
        ({"model": "vae", "config": {"test_count": 5}}, "config.test_count"),
        ({"model": "vae", "config": {"bogus": 1}}, "config"),
        ({"model": "conv", "dataset": "cifar10"}, "dataset"),
    ],
)
def test_training_request_is_checked(staff_client, body, field):
    response = staff_client.post("/api/jobs/", {"kind": "representation", **body}, format="json")
    error = assert_error(response, 400, "invalid")
    assert field in error["details"] or error["message"].startswith(field), error
    assert not Job.objects.exists()


def test_training_is_for_staff(api_client):
    response = api_client.post("/api/jobs/", {"kind": "representation", "model": "pca"}, format="json")
    assert response.status_code in (401, 403)
    assert not Job.objects.exists()
