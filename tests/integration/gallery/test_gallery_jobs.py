"""Gallery jobs run in this process (as `train vae --sync` runs them): determinism, redelivery,
evaluation figures, shipped weights, the admin's retrain."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.core import services as core_services
from apps.core.errors import InvalidInput
from apps.core.models import ActiveModel, Job, ModelVersion
from apps.core.runner import JobReporter, job_execute
from apps.gallery.demo import weights_manifest, weights_register
from apps.gallery.jobs import gallery_generate_job
from apps.gallery.models import GeneratedImage
from apps.gallery.services import image_path
from tests.integration.gallery.helpers import train_tiny

pytestmark = pytest.mark.django_db(transaction=True)


def generate(**params) -> Job:
    job = core_services.job_create(kind="gallery.generate", params=params, enqueue=False)
    job = job_execute(job_id=job.id)
    assert job.status == "succeeded", job.error
    return job


def pngs(job: Job) -> list[bytes]:
    return [image_path(i).read_bytes() for i in GeneratedImage.objects.filter(job=job).order_by("position")]


def test_training_records_history_metrics_and_activates(fashion_dir):
    version = train_tiny(epochs=2)
    assert version.kind == "vae" and version.name == "conv"
    assert [h["epoch"] for h in version.history] == [1, 2]
    for key in ("neg_elbo", "recon", "kl", "iwae_nll", "iwae_k", "test_images"):
        assert key in version.metrics
    assert version.metrics["neg_elbo"] == pytest.approx(version.metrics["recon"] + version.metrics["kl"])
    assert version.metrics["iwae_k"] == 2 and version.metrics["test_images"] == 64
    assert version.config["overrides"]["epochs"] == 2 and "train vae" in version.card
    assert ActiveModel.objects.get(kind="vae", dataset="fashion-mnist", slot="default").model_version == version


def test_training_on_the_importance_weighted_bound(fashion_dir):
    version = train_tiny(iwae_samples=3)
    assert version.config["overrides"]["iwae_samples"] == 3 and "IWAE objective (K=3)" in version.card
    assert all(h["loss"] < h["recon"] + h["kl"] for h in version.history)  # the bound, under its ELBO
    with pytest.raises(InvalidInput, match="beta"):
        core_services.training_job_start(kind="vae", dataset="fashion-mnist", model="conv",
                                         config={"iwae_samples": 3, "beta": 2}, enqueue=False)  # fmt: skip
    assert ModelVersion.objects.count() == 1 and Job.objects.count() == 1  # the refusal changed nothing


def test_mnist_reports_the_binarised_protocol_too(data_dir):
    if not (data_dir / "mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("MNIST not found")
    version = train_tiny(model="latent2d", dataset="mnist", test_count=32)
    assert (version.kind, version.slot) == ("vae", "latent2d")
    assert {"binarized_neg_elbo", "binarized_iwae_nll"} <= set(version.metrics)


def test_same_seed_same_pngs_and_redelivery_adds_nothing(fashion_dir):
    train_tiny()
    first = generate(count=6, seed=42, temperature=0.8)
    second = generate(count=6, seed=42, temperature=0.8)
    other = generate(count=6, seed=43, temperature=0.8)
    assert pngs(first) == pngs(second) and pngs(first) != pngs(other)
    assert len(pngs(first)) == 6
    stored = list(GeneratedImage.objects.filter(job=first).order_by("position"))
    assert stored[0].seed == 42 and len(stored[0].latent) == 16

    assert job_execute(job_id=first.id) is None  # a redelivered message finds the job done
    Job.objects.filter(id=first.id).update(status="running")  # a retried job reruns the handler
    result = gallery_generate_job(Job.objects.get(id=first.id), JobReporter(Job.objects.get(id=first.id)))
    assert result["images"] == [i.id for i in stored]
    assert GeneratedImage.objects.filter(job=first).count() == 6


def test_conditional_samples_carry_their_label(fashion_dir):
    train_tiny(model="conditional")
    job = generate(count=3, seed=1, label="sneakers")
    assert set(GeneratedImage.objects.filter(job=job).values_list("label", "label_index")) == {("Sneaker", 7)}


def test_exported_weights_register_as_a_version_that_generates(fashion_dir, tmp_path):
    trained = train_tiny(model="latent2d")
    call_command("gallery_export_weights", str(trained.id), "--out", str(tmp_path))
    entry = weights_manifest(tmp_path)[0]
    assert (entry["kind"], entry["slot"]) == ("vae", "latent2d")
    assert entry["command"].startswith("python manage.py train vae")
    assert entry["sha256"] in (tmp_path / "MODEL_CARD.md").read_text()

    ActiveModel.objects.all().delete()
    version, created = weights_register(entry=entry, folder=tmp_path)
    assert created and version.id != trained.id and version.config == trained.config
    assert ActiveModel.objects.get(kind="vae", dataset="fashion-mnist", slot="latent2d").model_version == version
    assert weights_register(entry=entry, folder=tmp_path) == (version, False)  # seed_demo twice: one version

    job = core_services.job_create(kind="gallery.latent_map", params={"grid": 4}, enqueue=False)
    job = job_execute(job_id=job.id)
    assert job.status == "succeeded", job.error
    image = GeneratedImage.objects.get(job=job)
    assert image.latent == {"grid": 4, "span": 2.5, "tile": 28} and image_path(image).stat().st_size > 0

    (tmp_path / entry["file"]).write_bytes(b"tampered")
    with pytest.raises(ValueError, match="sha256"):
        weights_register(entry={**entry, "slot": "default"}, folder=tmp_path)
    data = json.loads((tmp_path / "weights.json").read_text())
    assert data["weights"][0]["file"] == entry["file"]


def test_admin_retrain_of_a_gallery_version_starts_train_vae(fashion_dir, admin_client):
    version = train_tiny(model="conditional", beta=0.5)
    response = admin_client.post(
        "/admin/core/modelversion/", {"action": "retrain", "_selected_action": [version.id]}, follow=False
    )
    form_url = f"/admin/core/modelversion/{version.id}/retrain/"
    assert response.status_code == 302 and response["Location"] == form_url  # the form first: nothing started
    assert admin_client.get(form_url).status_code == 200
    response = admin_client.post(form_url, {"model": "conditional", "activate": "on"})
    job = Job.objects.filter(kind="train.vae").order_by("-created_at").first()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.id}/"
    assert job.params == {"dataset": "fashion-mnist", "model": "conditional", "config": version.config["overrides"]}
    assert job.status == "queued" and ModelVersion.objects.filter(kind="vae", slot="conditional").count() == 1


def test_a_benchmark_checkpoint_ships_like_a_version(tmp_path):
    import numpy as np

    from apps.core.ml.vae.config import VaeConfig
    from apps.core.ml.vae.models import vae_build
    from apps.gallery.ml.checkpoint import vae_save
    from apps.gallery.ml.evaluate import vae_evaluate

    config = VaeConfig(dataset="mnist", model="conv", width=4, hidden=16, binarize=True, iwae_samples=3)
    model = vae_build(config)
    images = np.random.default_rng(0).integers(0, 256, (8, 28, 28), dtype=np.uint8)
    scores = vae_evaluate(model, images, iwae_k=2, binarize=True)  # what benchmarks.gallery_mnist stores
    made_by = "python -m benchmarks.gallery_mnist --train-k 3"
    path = vae_save(tmp_path / "mnist-conv.pt", model, config, metrics=scores, extra={"made_by": made_by})
    out = tmp_path / "weights"

    with pytest.raises(CommandError, match="model version or a --checkpoint"):
        call_command("gallery_export_weights", "--out", str(out))
    bare = vae_save(tmp_path / "bare.pt", model, config, metrics=scores)
    with pytest.raises(CommandError, match="made_by"):
        call_command("gallery_export_weights", "--checkpoint", str(bare), "--out", str(out))
    assert not (out / "weights.json").exists()  # refused: nothing written

    call_command("gallery_export_weights", "--checkpoint", str(path), "--out", str(out))
    entry = weights_manifest(out)[0]
    assert (entry["kind"], entry["slot"], entry["dataset"], entry["name"]) == ("vae", "default", "mnist", "conv")
    assert entry["command"] == made_by and entry["config"]["iwae_samples"] == 3
    assert entry["metrics"]["binarized_iwae_nll"] == scores["iwae_nll"] and entry["metrics"]["test_images"] == 8
    card = (out / "MODEL_CARD.md").read_text()
    assert f"test NLL {scores['iwae_nll']:.2f} nats by the IWAE bound with K=2 on 8 test images" in card
    version, created = weights_register(entry=entry, folder=out)
    assert created and version.config == config.to_dict()
    assert ActiveModel.objects.get(kind="vae", dataset="mnist", slot="default").model_version == version
