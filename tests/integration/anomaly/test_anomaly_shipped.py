"""Shipped one-class detectors: `train anomaly` → `anomaly_export_weights` → `seed_demo`'s registration.

No data-set image leaves the machine: the exported examples hold indices, and registering reads the
images back from the local copy of the data set."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import call_command

from apps.anomaly import demo
from apps.anomaly.shipped import DETECTORS, EXAMPLES, META_NAME, anomaly_weights_register
from apps.core.artifacts import artifact_verify
from apps.core.models import ActiveModel, ModelVersion
from apps.core.services import model_version_activate
from tests.conftest import DATA_DIR

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def trained(capsys, settings):
    if not (DATA_DIR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    settings.AEWEB_DATA_DIR = str(DATA_DIR)
    call_command(
        "train", "anomaly", "--dataset", "fashion-mnist", "--model", "conv",
        "--set", "classes=0,7", "--set", "seconds=1", "--set", "train_count=300", "--set", "test_count=300",
        "--set", "baselines=pca", "--set", "activate=false", "--sync",
    )  # fmt: skip
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return ModelVersion.objects.get(id=result["model_version"])


def arrays(path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def test_export_then_register_round_trip(trained, tmp_path):
    from apps.core.ml.image_datasets import dataset_load

    call_command("anomaly_export_weights", str(trained.id), "--out", str(tmp_path))
    meta = json.loads((tmp_path / META_NAME).read_text())
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert meta["dataset"] == "fashion-mnist" and meta["slot"] == "conv"
    assert meta["sha256"]["detectors"] in card and "manage.py train anomaly --dataset fashion-mnist" in card
    assert "| 7 Sneaker |" in card and "PCA" in card  # per class, beside the baseline
    shipped = arrays(tmp_path / EXAMPLES)
    original = arrays(artifact_verify(trained.artifacts["examples"]))
    assert not [key for key in shipped if key.startswith("image_")]  # no data-set image is committed
    assert set(original) - set(shipped) == {"image_0", "image_7"}

    test_images, _ = dataset_load("fashion-mnist", "test", data_dir=str(DATA_DIR))
    version = anomaly_weights_register(test_images, folder=tmp_path)
    assert version.id != trained.id  # float16: a file of its own
    assert version.card == card and version.config["shipped"] is True
    assert version.metrics == trained.metrics and version.baselines == trained.baselines
    assert version.artifact_sha256("detectors") == meta["sha256"]["detectors"]
    restored = arrays(artifact_verify(version.artifacts["examples"]))
    assert restored.keys() == original.keys() and all(np.array_equal(restored[k], original[k]) for k in original)
    pointer = {"kind": "anomaly", "dataset": "fashion-mnist", "slot": "conv"}
    assert ActiveModel.objects.get(**pointer).model_version == version  # none was in use (activate=false)
    assert anomaly_weights_register(test_images, folder=tmp_path).id == version.id  # registered once
    model_version_activate(model_version=trained)
    assert anomaly_weights_register(test_images, folder=tmp_path).id == version.id
    assert ActiveModel.objects.get(**pointer).model_version == trained  # a choice is kept

    # A file changed after export is refused, and nothing is registered.
    (tmp_path / DETECTORS).write_bytes((tmp_path / DETECTORS).read_bytes() + b"x")
    ActiveModel.objects.filter(**pointer).delete()
    ModelVersion.objects.filter(config__shipped=True).delete()
    with pytest.raises(ValueError, match="does not match"):
        anomaly_weights_register(test_images, folder=tmp_path)
    assert not ModelVersion.objects.filter(kind="anomaly", config__shipped=True).exists()


def test_seed_registers_the_shipped_detectors_instead_of_training(trained, tmp_path, monkeypatch):
    call_command("anomaly_export_weights", str(trained.id), "--out", str(tmp_path))
    queued: list = []
    monkeypatch.setattr("apps.core.services.job_enqueue", lambda *, job: queued.append(job))
    out = io.StringIO()
    registered = demo.shipped_register("fashion-mnist", out=out, folder=tmp_path)
    assert registered and "shipped one-class detectors are registered" in out.getvalue()
    demo.demo_seed(out=out, train=True)  # one is active now: nothing to train
    assert queued == []


def test_export_refuses_what_is_not_a_one_class_image_version(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no one-class image anomaly version"):
        call_command("anomaly_export_weights", "999999", "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []
