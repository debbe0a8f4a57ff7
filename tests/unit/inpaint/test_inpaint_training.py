"""`train inpainter` requests as the web validates them: the data set picks the model; bad settings are named."""

from __future__ import annotations

import pytest

from apps.core.errors import InvalidInput
from apps.inpaint.ml.config import InpainterConfig
from apps.inpaint.training_config import training_params_validate


def test_the_dataset_picks_the_model():
    assert training_params_validate({}) == {"dataset": "fashion-mnist", "model": "items", "config": {}}
    assert training_params_validate({"dataset": "MNIST"})["model"] == "items"
    assert training_params_validate({"dataset": "train400"}) == {
        "dataset": "train400",
        "model": "gated_unet",
        "config": {},
    }
    assert training_params_validate({"model": "gated_unet"})["dataset"] == "train400"
    done = training_params_validate({"config": {"seconds": "30", "width": 8, "test_count": "200", "activate": False}})
    assert done["config"] == {"seconds": "30", "width": 8, "test_count": 200, "activate": False}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"dataset": "imagenet"}, "dataset"),
        ({"model": "segnet"}, "model"),
        ({"model": "items", "dataset": "train400"}, "dataset"),
        ({"model": "gated_unet", "dataset": "fashion-mnist"}, "dataset"),
        ({"config": {"seconds": 0}}, "config.seconds"),
        ({"config": {"width": 2}}, "config.width"),
        ({"config": {"patch": 100}}, "config.patch"),
        ({"config": {"base": "magic"}}, "config.base"),
        ({"config": {"bogus": 1}}, "config.bogus"),
        ({"config": {"test_count": 0}}, "config.test_count"),
        ({"config": {"activate": "yes"}}, "config.activate"),
        ({"config": {"model": "items"}}, "config"),
        ({"config": {"dataset": "mnist"}}, "config"),
    ],
)
def test_bad_training_params_name_the_field(params, field):
    with pytest.raises(InvalidInput) as caught:
        training_params_validate(params)
    assert field in caught.value.errors


def test_config_defaults_depend_on_the_model():
    items, photos = InpainterConfig(model="items"), InpainterConfig(model="gated_unet")
    assert items.value("batch") > photos.value("batch")
    assert InpainterConfig.from_dict(items.to_dict()) == items
    assert InpainterConfig(model="items", width=24).value("width") == 24


def _tiny_items_result():
    import numpy as np

    from apps.inpaint.ml.baselines import pca_fit
    from apps.inpaint.ml.models import inpainter_build
    from apps.inpaint.ml.run import RunResult

    config = InpainterConfig(model="items", width=4)
    images = np.random.default_rng(0).integers(0, 256, (80, 28, 28), dtype=np.uint8)
    metrics = {
        "parameters": 1,
        "steps": 1,
        "train_seconds": 0.1,
        "epochs_run": 1,
        "test_images": 10,
        "centre_psnr": 20.0,
        "pixels50_psnr": 22.0,
    }
    return RunResult(
        inpainter_build(config),
        config,
        "fashion-mnist",
        "fashion-mnist",
        metrics,
        {"telea": {"centre_psnr": 18.0}},
        [],
        pca_fit(images, components=4),
    )


@pytest.mark.django_db
def test_shipped_weights_register_once_with_their_pca_basis(tmp_path):
    from apps.core.artifacts import artifact_verify
    from apps.inpaint.ml.baselines import pca_load
    from apps.inpaint.ml.checkpoint import inpainter_load
    from apps.inpaint.ml.export import weights_export
    from apps.inpaint.shipped import inpainter_weights_register

    weights_export(_tiny_items_result(), tmp_path, command="test", cpu_seconds=1.0, threads=1)
    assert {p.name for p in tmp_path.iterdir()} == {
        "items-fashion-mnist.pt",
        "items-fashion-mnist.json",
        "MODEL_CARD.md",
    }
    (version,) = inpainter_weights_register(folder=tmp_path)
    assert (version.kind, version.dataset, version.slot, version.name) == (
        "inpainter",
        "fashion-mnist",
        "default",
        "items",
    )
    assert version.baselines == {"telea": {"centre_psnr": 18.0}}
    assert version.config["shipped"] is True and "## items-fashion-mnist.pt" in version.card
    path = artifact_verify(version.artifacts["checkpoint"])
    assert pca_load(path).components.shape == (4, 784)
    assert inpainter_load(path).config.width == 4
    (again,) = inpainter_weights_register(folder=tmp_path)
    assert again.pk == version.pk
