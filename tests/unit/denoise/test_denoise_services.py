"""Purge, serializers, row-block metrics, shipped weights round trip, idempotency (validators: test_denoise_params)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from apps.core.errors import InvalidInput
from apps.core.ml.image_metrics import psnr, psnr_rows, ssim, ssim_rows
from apps.core.models import ActiveModel, ModelVersion
from apps.denoise.ml.noise import noise_add_rows
from apps.denoise.models import DenoiseRequest
from apps.denoise.serializers import DenoiseCreateSerializer
from apps.denoise.services import denoise_request_create, denoise_requests_purge, denoiser_weights_register
from tests.integration.denoise import files
from tests.integration.denoise.conftest import TINY, tiny_weights_write


def request_make(*, age_hours: float) -> DenoiseRequest:
    created = timezone.now() - timedelta(hours=age_hours)
    req = DenoiseRequest.objects.create(expires_at=created + timedelta(hours=24))
    DenoiseRequest.objects.filter(id=req.id).update(created_at=created, input=f"{req.folder}/input.png")
    folder = Path(settings.MEDIA_ROOT) / req.folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "input.png").write_bytes(b"x")
    return req


@pytest.mark.django_db
def test_purge_deletes_rows_and_files_past_retention(settings):
    old, fresh = request_make(age_hours=25), request_make(age_hours=1)
    orphan = Path(settings.MEDIA_ROOT) / "denoise" / "not-a-row"
    orphan.mkdir(parents=True)
    assert denoise_requests_purge(now=timezone.now() + timedelta(hours=1)) == 1
    assert list(DenoiseRequest.objects.values_list("id", flat=True)) == [fresh.id]
    assert not (Path(settings.MEDIA_ROOT) / old.folder).exists()
    assert (Path(settings.MEDIA_ROOT) / fresh.folder / "input.png").exists()
    assert orphan.exists()  # too young to be swept
    settings.AEWEB_DENOISE_RETENTION_HOURS = 0.5  # a shorter retention applies to what is there
    assert denoise_requests_purge() == 1 and not DenoiseRequest.objects.exists()
    assert denoise_requests_purge(now=timezone.now() + timedelta(hours=2)) == 0 and not orphan.exists()


def test_create_serializer_wants_exactly_one_source_and_sigma_in_range():
    assert not DenoiseCreateSerializer(data={}).is_valid()
    assert DenoiseCreateSerializer(data={"sample": "camera", "sigma": "75"}).is_valid()
    for sigma in ("75.5", "-0.1", "x", "inf"):
        body = DenoiseCreateSerializer(data={"sample": "camera", "sigma": sigma})
        assert not body.is_valid() and "sigma" in body.errors
    unknown = DenoiseCreateSerializer(data={"sample": "lena"})
    assert not unknown.is_valid() and "sample" in unknown.errors


@pytest.mark.django_db
def test_service_refuses_bad_sigma_even_without_the_serializer():
    with pytest.raises(InvalidInput):
        denoise_request_create(sample="camera", sigma=80)
    with pytest.raises(InvalidInput):
        denoise_request_create(data=files.png(), sample="camera")
    with pytest.raises(InvalidInput, match="true or false"):
        denoise_request_create(sample="camera", self_ensemble="yes")  # a string is not a yes
    assert not DenoiseRequest.objects.exists()


def test_row_block_metrics_and_noise_match_whole_image():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (700, 90, 3), dtype=np.uint8)
    b = noise_add_rows(a, 20, seed=1, rows=64)
    assert ssim_rows(a, b, rows=64) == pytest.approx(ssim(a, b), abs=1e-12)
    assert psnr_rows(a, b, rows=64) == pytest.approx(psnr(a, b), abs=1e-12)
    assert np.std(b.astype(float) - a) == pytest.approx(20, abs=2)  # clipping trims it a little
    rgba = np.dstack([a, np.full(a.shape[:2], 7, np.uint8)])
    assert (noise_add_rows(rgba, 30, seed=1, colours=3)[..., 3] == 7).all()  # alpha untouched
    assert np.array_equal(noise_add_rows(a, 20, seed=1, rows=64), b)  # seeded: retries add the same noise


@pytest.mark.django_db
def test_export_then_register_round_trip(tmp_path):
    """Weights made by `train denoiser` → `denoise_export_weights` → `seed_demo`'s registration."""
    import torch

    from apps.core.runner import job_execute
    from apps.core.services import model_version_activate, training_job_start
    from apps.denoise.ml.checkpoint import checkpoint_read, denoiser_load

    config = {**TINY, "epochs": 1, "patches_per_epoch": 32, "batch_size": 16, "activate": False}
    job = training_job_start(kind="denoiser", dataset="samples", config=config, enqueue=False)
    job = job_execute(job_id=job.id)
    assert job.status == "succeeded", job.error
    trained = ModelVersion.objects.get(id=job.result["model_version"])
    call_command("denoise_export_weights", str(trained.id), "--out", str(tmp_path))
    meta = json.loads((tmp_path / "denoiser.json").read_text())
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert meta["sha256"] in card and "manage.py train denoiser --dataset samples" in card
    assert all(v.dtype == torch.float16 for v in checkpoint_read(tmp_path / "denoiser.pt")["state"].values())

    shipped = denoiser_weights_register(folder=tmp_path)
    assert shipped.id != trained.id and shipped.artifact_sha256() == meta["sha256"]
    assert ActiveModel.objects.get(kind="denoiser", dataset="samples").model_version == shipped  # none was active
    assert shipped.config["overrides"] == {k: v for k, v in config.items() if k != "activate"}
    assert shipped.card == card
    assert denoiser_weights_register(folder=tmp_path).id == shipped.id  # registered once
    model_version_activate(model_version=trained)
    assert denoiser_weights_register(folder=tmp_path).id == shipped.id
    assert ActiveModel.objects.get(kind="denoiser", dataset="samples").model_version == trained  # a choice is kept
    from apps.core.artifacts import artifact_verify

    model = denoiser_load(artifact_verify(shipped.artifacts["checkpoint"]))
    original = denoiser_load(artifact_verify(trained.artifacts["checkpoint"]))
    for key, value in model.state_dict().items():
        assert torch.allclose(value, original.state_dict()[key], atol=1e-2)

    (tmp_path / "denoiser.pt").write_bytes(b"tampered")
    with pytest.raises(ValueError, match="sha256"):
        denoiser_weights_register(folder=tmp_path)
    assert denoiser_weights_register(folder=tmp_path / "none") is None


@pytest.mark.django_db
def test_denoise_job_is_idempotent(tmp_path):
    from apps.core.runner import JobReporter, job_execute
    from apps.denoise.worker import denoise_image_job

    denoiser_weights_register(folder=tiny_weights_write(tmp_path / "w"))
    req = denoise_request_create(data=files.png((40, 30), "L"), sigma=15.0)
    job = job_execute(job_id=req.job_id)
    assert job.status == "succeeded", job.error
    req.refresh_from_db()
    output = Path(settings.MEDIA_ROOT) / req.output.name
    stamp = output.stat().st_mtime_ns
    assert job_execute(job_id=req.job_id) is None  # a redelivered message: not queued any more
    job.status = "running"
    again = denoise_image_job(job, JobReporter(job))  # the handler itself, run twice
    assert again["psnr"] == req.psnr and output.stat().st_mtime_ns == stamp
    assert str(req.id) not in json.dumps({"params": job.params, "result": job.result})  # the job API is public


@pytest.mark.django_db
def test_sigma_zero_gives_null_not_infinite_psnr(tmp_path, api_client):
    from apps.core.runner import job_execute

    denoiser_weights_register(folder=tiny_weights_write(tmp_path / "w"))
    req = denoise_request_create(data=files.png((40, 30), "RGB"), sigma=0.0)
    assert job_execute(job_id=req.job_id).status == "succeeded"
    body = api_client.get(f"/api/denoise/{req.id}/").json()  # identical images: PSNR would be infinite
    assert body["status"] == "succeeded" and body["sigma"] == 0 and body["psnr_noisy"] is None


@pytest.mark.django_db
def test_export_refuses_a_28x28_autoencoder(tmp_path):
    from django.core.management.base import CommandError

    from tests.integration.denoise.conftest import tiny_dae_register

    dae = tiny_dae_register("fashion-mnist")
    with pytest.raises(CommandError, match="28×28 demo autoencoder"):
        call_command("denoise_export_weights", str(dae.id), "--out", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("denoise_export_weights", "999999", "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_export_a_benchmark_checkpoint_keeps_its_command_and_lineage(tmp_path):
    """A checkpoint `benchmarks.denoise_train --init <shipped>` wrote (on any machine) → shipped → registered."""
    from apps.denoise.ml.checkpoint import denoiser_save
    from apps.denoise.ml.config import DenoiserConfig
    from apps.denoise.ml.model import denoiser_build
    from apps.denoise.ml.shipped import lineage_of

    shipped = tiny_weights_write(tmp_path / "shipped")
    lineage = lineage_of(shipped / "denoiser.pt")
    sets = "".join(f" --set {key}={value}" for key, value in TINY.items())
    assert [run["made_by"] for run in lineage] == [f"manage.py train denoiser --dataset samples{sets}"]
    config = DenoiserConfig.from_dict(TINY)
    made_by = "python -m benchmarks.denoise_train --preset gpu --init apps/denoise/weights/denoiser.pt"
    checkpoint = denoiser_save(
        tmp_path / "run.pt",
        denoiser_build(config),
        config,
        metrics={"train_seconds": 240.0, "set12_psnr_sigma15": 32.5, "set12_ssim_sigma15": 0.9},
        extra={"dataset": "train400", "made_by": made_by, "device": "cuda", "lineage": lineage},
    )
    out = tmp_path / "out"
    call_command("denoise_export_weights", "--checkpoint", str(checkpoint), "--out", str(out))
    meta = json.loads((out / "denoiser.json").read_text())
    card = (out / "MODEL_CARD.md").read_text()
    assert meta["made_by"] == made_by and meta["lineage"] == lineage and meta["dataset"] == "train400"
    assert f"`{made_by}` on cuda in 240 s" in card and "| 15 | 32.50 | 0.9000 |" in card
    assert f"**Continued from** weights `{lineage[0]['sha256'][:12]}`, made by `manage.py train denoiser" in card
    # Shipped again, its lineage grows by one run: the benchmark's.
    assert [run["made_by"] for run in lineage_of(out / "denoiser.pt")] == [lineage[0]["made_by"], made_by]
    version = denoiser_weights_register(folder=out)
    assert version.dataset == "train400" and version.artifact_sha256() == meta["sha256"] and version.card == card


@pytest.mark.django_db
def test_the_card_of_a_checkpoint_measured_with_the_self_ensemble_shows_both(tmp_path):
    from apps.denoise.ml.checkpoint import denoiser_save
    from apps.denoise.ml.config import DenoiserConfig
    from apps.denoise.ml.model import denoiser_build

    config = DenoiserConfig.from_dict({**TINY, "loss_weight": "sigma"})
    figures = {"set12_psnr": 30.0, "set12_ssim": 0.5, "set12_ensemble_psnr": 30.25, "set12_ensemble_ssim": 0.75}
    metrics = {f"{name}_sigma{s}": value for name, value in figures.items() for s in (15, 25, 50)}
    checkpoint = denoiser_save(
        tmp_path / "run.pt", denoiser_build(config), config, metrics=metrics,
        extra={"dataset": "train400", "made_by": "python -m benchmarks.denoise_train", "device": "cpu", "lineage": []},
    )  # fmt: skip
    call_command("denoise_export_weights", "--checkpoint", str(checkpoint), "--out", str(tmp_path / "out"))
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    assert "| sigma | PSNR (dB) | SSIM | best quality: PSNR (dB) | SSIM |" in card
    assert "| 25 | 30.00 | 0.5000 | 30.25 | 0.7500 |" in card
    assert "each patch's loss divided by its sigma, floored at 5" in card


@pytest.mark.django_db
def test_export_refuses_a_checkpoint_without_its_command(tmp_path):
    from django.core.management.base import CommandError

    shipped = tiny_weights_write(tmp_path / "shipped")  # exported weights name no command inside the file
    out = tmp_path / "out"
    with pytest.raises(CommandError, match="no `made_by`"):
        call_command("denoise_export_weights", "--checkpoint", str(shipped / "denoiser.pt"), "--out", str(out))
    with pytest.raises(CommandError, match="No such file"):
        call_command("denoise_export_weights", "--checkpoint", str(tmp_path / "missing.pt"), "--out", str(out))
    assert not out.exists()
