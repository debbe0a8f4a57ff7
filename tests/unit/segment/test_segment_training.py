"""`train segmenter`: the web-side validation, the job end to end on tiny settings, shipped weights."""

from __future__ import annotations

import json

import pytest

from apps.core.errors import InvalidInput
from apps.segment.ml.config import CLASS_COLOURS, CLASSES
from apps.segment.training_config import training_params_validate
from tests.conftest import DATA_DIR

TINY = {"base": 4, "depth": 2, "crop": 32, "batch": 4, "epochs": 2, "steps": 2, "seconds": None, "scenes": 12,
        "test_scenes": 10, "baselines": False}  # fmt: skip


def fashion_mnist_needed(settings) -> None:
    if not (DATA_DIR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    settings.AEWEB_DATA_DIR = str(DATA_DIR)


def test_defaults_are_filled_in(settings):
    params = training_params_validate({})
    assert params == {"dataset": "fashionopolis", "model": "unet", "config": {}}
    params = training_params_validate({"model": "segnet", "dataset": "FASHIONOPOLIS", "config": {"seconds": "60"}})
    assert params["dataset"] == "fashionopolis" and params["model"] == "segnet"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model": "fcn"}, "model"),
        ({"dataset": "cityscapes"}, "dataset"),
        ({"config": {"base": 1000}}, "config.base"),
        ({"config": {"crop": 100}}, "config.crop"),  # not a multiple of 2^depth
        ({"config": {"seconds": -1}}, "config.seconds"),
        ({"config": {"lr": "fast"}}, "config.lr"),
        ({"config": {"colour": 3}}, "config.colour"),
        ({"config": {"model": "unet"}}, "config"),
        ({"config": [1, 2]}, "config"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(params, field):
    with pytest.raises(InvalidInput) as caught:
        training_params_validate(params)
    assert field in caught.value.errors


def test_isbi_em_is_refused_when_its_slices_are_missing(settings, tmp_path):
    settings.AEWEB_DATA_DIR = str(tmp_path)
    with pytest.raises(InvalidInput, match="ISBI") as caught:
        training_params_validate({"dataset": "isbi-em"})
    assert "dataset" in caught.value.errors
    (tmp_path / "isbi-em" / "image").mkdir(parents=True)
    (tmp_path / "isbi-em" / "label").mkdir()
    assert training_params_validate({"dataset": "isbi-em"})["dataset"] == "isbi-em"


def test_the_job_reading_missing_slices_fails_clearly(tmp_path):
    from apps.segment.ml.config import SegmenterConfig
    from apps.segment.ml.experiment import segment_data_load

    with pytest.raises(FileNotFoundError, match="isbi-em"):
        segment_data_load(SegmenterConfig(dataset="isbi-em"), str(tmp_path))


@pytest.mark.django_db
def test_train_segmenter_job_registers_a_version_with_classes_and_colours(settings):
    from apps.core.artifacts import artifact_verify
    from apps.core.models import ModelVersion
    from apps.core.runner import job_execute
    from apps.core.services import training_job_start
    from apps.segment.ml.checkpoint import segmenter_load

    fashion_mnist_needed(settings)
    job = training_job_start(kind="segmenter", dataset="fashionopolis", model="segnet", config=TINY, enqueue=False)
    job = job_execute(job_id=job.id)
    assert job.status == "succeeded", job.error
    assert [entry["epoch"] for entry in job.history] == [1, 2]
    version = ModelVersion.objects.get(id=job.result["model_version"])
    assert version.kind == "segmenter" and version.slot == "default" and version.name == "segnet"
    assert version.dataset == "fashionopolis"
    assert version.config["classes"] == list(CLASSES["fashionopolis"])
    assert version.config["colours"] == list(CLASS_COLOURS["fashionopolis"]) and version.config["in_channels"] == 3
    metrics = version.metrics
    assert 0 <= metrics["pixel_accuracy"] <= 1 and set(metrics["iou"]) == set(CLASSES["fashionopolis"])
    assert metrics["test_images"] == 10 and metrics["train_images"] == 12 and metrics["steps"] == 4
    model = segmenter_load(artifact_verify(version.artifacts["checkpoint"]), "cpu")
    assert model.config.model == "segnet" and model.metrics["miou"] == metrics["miou"]


@pytest.mark.django_db
def test_shipped_weights_register_once_and_keep_a_chosen_model(tmp_path):
    import torch

    from apps.core.ml.files import file_sha256
    from apps.core.models import ActiveModel
    from apps.segment.ml.checkpoint import segmenter_save
    from apps.segment.ml.config import SegmenterConfig
    from apps.segment.ml.models import segmenter_build
    from apps.segment.shipped import segmenter_weights_register

    torch.manual_seed(0)
    segmenter_save(tmp_path / "segmenter.pt", segmenter_build(SegmenterConfig(base=4, depth=2)))
    meta = {"dataset": "fashionopolis", "name": "unet", "sha256": file_sha256(tmp_path / "segmenter.pt"),
            "config": {"classes": list(CLASSES["fashionopolis"])}, "metrics": {"miou": 0.5}}  # fmt: skip
    (tmp_path / "segmenter.json").write_text(json.dumps(meta))
    (tmp_path / "MODEL_CARD.md").write_text("card")
    [version] = segmenter_weights_register(folder=tmp_path)
    assert version.kind == "segmenter" and version.name == "unet" and version.config["shipped"]
    assert version.card == "card" and version.metrics == {"miou": 0.5}
    active = ActiveModel.objects.get(kind="segmenter", dataset="fashionopolis", slot="default")
    assert active.model_version == version
    assert [v.id for v in segmenter_weights_register(folder=tmp_path)] == [version.id]  # registered once

    (tmp_path / "segmenter.pt").write_bytes(b"tampered")
    with pytest.raises(ValueError, match="sha256"):
        segmenter_weights_register(folder=tmp_path)
    (tmp_path / "segmenter.json").write_text(json.dumps({**meta, "dataset": "isbi-em"}))
    with pytest.raises(ValueError, match="only fashionopolis"):  # weights from unlicensed data never ship
        segmenter_weights_register(folder=tmp_path)
    assert segmenter_weights_register(folder=tmp_path / "none") == []


def test_the_shipped_weights_match_their_card():
    from apps.core.ml.files import file_sha256
    from apps.segment.shipped import WEIGHTS_DIR, shipped_weights

    found = shipped_weights()
    if not found:
        pytest.skip("no shipped weights yet")
    for checkpoint, meta in found:
        assert meta["dataset"] == "fashionopolis" and file_sha256(checkpoint) == meta["sha256"]
        assert meta["sha256"] in (WEIGHTS_DIR / "MODEL_CARD.md").read_text()
        assert checkpoint.stat().st_size < 8_000_000
