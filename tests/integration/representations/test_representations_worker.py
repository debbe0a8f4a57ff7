"""Representation trainings through the real Redis and a real Celery worker, then the web side on their files.

A PCA map and a tiny convolutional autoencoder with a 2-D code are trained by the worker (the job
API, then `manage.py train`); the API lists them, serves their maps, decodes points and encodes an
upload in NumPy. The worker's codes (torch) and the web's (NumPy, from the exported serving file)
must agree on the same test image.
"""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
import torch
from django.core.management import call_command
from PIL import Image

from apps.core.artifacts import artifact_path
from apps.core.models import ModelVersion
from apps.representations import serving
from apps.representations.ml.checkpoint import representation_load
from tests.conftest import job_wait
from tests.integration.representations.helpers import test_split

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PNG = "data:image/png;base64,"
QUICK = {"probe": False, "test_count": 1000}
CONV = {"code": 2, "epochs": 1, "train_count": 2000, "max_seconds": 20, "width": 8, **QUICK}


def png_upload(pixels: np.ndarray) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "upload.png"
    return buffer


def image_of(data_url: str) -> np.ndarray:
    assert data_url.startswith(PNG)
    with Image.open(io.BytesIO(base64.b64decode(data_url[len(PNG) :]))) as im:
        return np.asarray(im)


def train(staff_client, model: str, config: dict) -> ModelVersion:
    body = {"kind": "representation", "dataset": "fashion-mnist", "model": model, "config": config}
    response = staff_client.post("/api/jobs/", body, format="json")
    assert response.status_code == 202, response.content
    job = job_wait(response.json()["id"], timeout=180)
    assert job.status == "succeeded", job.error
    return ModelVersion.objects.get(id=job.result["model_version"])


def map_checked(api_client, version: ModelVersion, test_count: int) -> list[dict]:
    """The version's embedding through the API: the first test images, with their labels."""
    response = api_client.get(f"/api/representations/{version.id}/embedding/?limit=50")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 50 and body["total"] == test_count
    _, labels = test_split()
    assert [p["index"] for p in body["points"]] == list(range(50))
    assert [p["label"] for p in body["points"]] == labels[:50].tolist()
    assert all(set(p) == {"index", "x", "y", "label"} and np.isfinite([p["x"], p["y"]]).all() for p in body["points"])
    return body["points"]


def encode_checked(api_client, version: ModelVersion, points: list[dict], index: int) -> dict:
    """Encode test image `index` as an upload: it lands where the worker put it on the map."""
    images, _ = test_split()
    response = api_client.post(
        f"/api/representations/{version.id}/encode/", {"image": png_upload(images[index])}, format="multipart"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code_size"] == 2 and body["notes"] == [] and body["extrapolated"] is False
    assert body["position"]["x"] == pytest.approx(points[index]["x"], abs=1e-3)
    assert body["position"]["y"] == pytest.approx(points[index]["y"], abs=1e-3)
    assert image_of(body["reconstruction"]).shape == (28, 28)
    return body


def decode_checked(api_client, version: ModelVersion, point: list[float]) -> np.ndarray:
    response = api_client.post(f"/api/representations/{version.id}/decode/", {"point": point}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["extrapolated"] is False and (body["width"], body["height"]) == (28, 28)
    low, high = body["range"]["low"], body["range"]["high"]
    assert all(lo <= p <= hi for lo, p, hi in zip(low, point, high, strict=True))
    pixels = image_of(body["image"])
    assert pixels.shape == (28, 28) and pixels.max() > 0
    return pixels


def test_pca_and_a_conv_autoencoder_through_the_worker(celery_worker, fashion_dir, staff_client, api_client):
    pca = train(staff_client, "pca", {"code": 2, "train_count": 5000, **QUICK})
    conv = train(staff_client, "conv", CONV)
    assert (pca.slot, pca.config["code"], conv.slot, conv.config["code"]) == ("pca", 2, "conv", 2)
    assert set(conv.artifacts) == {"checkpoint", "serving", "embedding"}
    assert conv.metrics["epochs_run"] == 1 and conv.metrics["train_images"] == 2000
    assert conv.metrics["test_images"] == 1000 and "probe_acc_all" not in conv.metrics

    body = api_client.get("/api/representations/").json()
    listed = {r["id"]: r for r in body["results"]}
    assert set(listed) == {pca.id, conv.id} and body["maps"] == [pca.id, conv.id]
    for version in (pca, conv):
        row = listed[version.id]
        assert row["abilities"] == {"map": True, "decode": True, "encode": True}
        figures = row["metrics"]
        assert 0 < figures["test_recon_error"] and 0 < figures["pca_recon_error"]
        assert 0.5 < figures["map_trustworthiness"] <= 1 and 0 < figures["map_knn_acc"] <= 1
    # The PCA version is PCA: its error is the PCA error it is measured against.
    pca_figures = listed[pca.id]["metrics"]
    assert pca_figures["test_recon_error"] == pytest.approx(pca_figures["pca_recon_error"], rel=1e-3)

    for version in (pca, conv):
        points = map_checked(api_client, version, 1000)
        encoded = encode_checked(api_client, version, points, index=7)
        decoded = decode_checked(api_client, version, encoded["code"])
        # The point's image is the upload's reconstruction: one decoder, whichever way it is reached.
        assert np.abs(decoded.astype(int) - image_of(encoded["reconstruction"]).astype(int)).max() <= 1

    # The worker's checkpoint computes the map the web shows.
    network = representation_load(artifact_path(conv.artifacts["checkpoint"]["path"]), "cpu")
    images, _ = test_split()
    with torch.no_grad():
        codes = network.encode(torch.from_numpy(images[:50]).float().div(255.0).unsqueeze(1)).numpy()
    points = map_checked(api_client, conv, 1000)
    np.testing.assert_allclose(codes, [[p["x"], p["y"]] for p in points], atol=1e-4)


def test_a_tsne_map_and_a_sparse_autoencoder_through_the_worker(celery_worker, fashion_dir, staff_client, api_client):
    # t-SNE maps the test images: train_count (a training-set setting) must not cut its map short.
    tsne = train(staff_client, "tsne", {"code": 2, "train_count": 100, "probe": False, "test_count": 300})
    assert tsne.metrics["test_images"] == 300 and set(tsne.artifacts) == {"embedding"}
    map_checked(api_client, tsne, 300)
    response = api_client.post(f"/api/representations/{tsne.id}/decode/", {"point": [0, 0]}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_decoder"

    # The sparse autoencoder's samples file feeds the wardrobe: its filters and its units' mean activations.
    sparse = train(staff_client, "sparse", {"code": 16, "epochs": 1, "train_count": 1000, **QUICK})
    assert set(sparse.artifacts) == {"checkpoint", "serving", "samples"}  # a 16-D code: no map
    assert 0 <= sparse.metrics["mean_activation"] <= 1 and sparse.metrics["sparsity_target"] == 0.1
    samples = serving.samples_get(sparse)
    assert samples["filters"].shape == (16, 28, 28) and samples["filters"].dtype == np.uint8
    assert samples["activations"].shape == (16,)
    assert samples["activations"].mean() == pytest.approx(sparse.metrics["mean_activation"], abs=1e-4)
    histogram = serving.activation_histogram(sparse)
    assert histogram is not None and sum(histogram["counts"]) == 16


def test_the_train_command_queues_and_follows_a_job(celery_worker, fashion_dir):
    out = io.StringIO()
    call_command(
        "train", "representation", "--model", "pca", "--set", "code=2", "--set", "train_count=3000",
        "--set", "test_count=500", "--set", "probe=false", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    version = ModelVersion.objects.get(id=result["model_version"])
    assert (version.kind, version.slot, version.dataset) == ("representation", "pca", "fashion-mnist")
    assert version.config["code"] == 2 and version.metrics["test_images"] == 500
    assert "embedding" in version.artifacts and "serving" in version.artifacts
