"""RepresentationConfig and the `train representation` validator: defaults per model, refusals naming the setting."""

from __future__ import annotations

import pytest

from apps.core.errors import InvalidInput
from apps.core.ml.config import ConfigError
from apps.representations.ml.config import ALL_MODELS, CODE_MAX, DEFAULTS, RepresentationConfig
from apps.representations.params import training_params_validate


@pytest.mark.parametrize("model", ALL_MODELS)
def test_defaults_are_filled_in_per_model(model):
    config = RepresentationConfig.from_dict({"model": model})
    for key, value in DEFAULTS[model].items():
        assert getattr(config, key) == value, key
    # A saved config says what ran: read back, it is the same config.
    assert RepresentationConfig.from_dict(config.to_dict()) == config


def test_given_values_win_over_the_defaults_and_are_coerced():
    config = RepresentationConfig.from_dict({"model": "vanilla", "code": "8", "hidden": [64, 32], "lr": "0.01"})
    assert (config.code, config.hidden, config.lr) == (8, (64, 32), 0.01)
    assert config.loss == "bce"  # still the vanilla default
    assert RepresentationConfig.from_dict({"model": "vanilla", "hidden": []}).hidden == ()


def test_a_saved_config_without_hidden_layers_reads_back():
    config = RepresentationConfig.from_dict({"model": "denoising", "hidden": []})
    assert config.to_dict()["hidden"] == []
    assert RepresentationConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"model": "autoencoder"}, "model", "must be one of"),
        ({"model": "conv", "code": 0}, "code", f"1..{CODE_MAX}"),
        ({"model": "conv", "code": CODE_MAX + 1}, "code", f"1..{CODE_MAX}"),
        ({"model": "tsne", "code": 3}, "code", "must be 2 for tsne"),
        ({"model": "umap", "code": 8}, "code", "must be 2 for umap"),
        ({"model": "denoising", "corruption": "salt"}, "corruption", "mask, gaussian"),
        ({"model": "denoising", "corruption_level": 0.96}, "corruption_level", "[0, 0.95]"),
        ({"model": "denoising", "corruption": "gaussian", "corruption_level": 1.5}, "corruption_level", "[0, 1.0]"),
        ({"model": "denoising", "corruption_level": -0.1}, "corruption_level", "must be in"),
        ({"model": "linear", "loss": "bce"}, "loss", "mse for the linear"),
        ({"model": "vanilla", "loss": "l1"}, "loss", "mse, bce"),
        ({"model": "vanilla", "hidden": [4]}, "hidden", "8..4096"),
        ({"model": "vanilla", "hidden": [16] * 7}, "hidden", "at most 6"),
        ({"model": "conv", "epochs": 0}, "epochs", "1..10000"),
        ({"model": "gan", "batch_size": 1}, "batch_size", "at least 2 for the gan"),
        ({"model": "conv", "lr": 0}, "lr", "(0, 1]"),
        ({"model": "conv", "lr": 1e-3, "lr_min": 1e-2}, "lr_min", "[0, lr]"),
        ({"model": "conv", "max_seconds": 0}, "max_seconds", "positive"),
        ({"model": "conv", "train_count": 5}, "train_count", "at least 10"),
        ({"model": "sparse", "sparsity_target": 1.0}, "sparsity_target", "(0, 1)"),
        ({"model": "conv", "width": 2}, "width", "4..256"),
        ({"model": "conv", "dataset": "cifar10"}, "dataset", "fashion-mnist, mnist"),
        ({"model": "conv", "code": "two"}, "code", "integer"),
        ({"model": "conv", "code": True}, "code", "integer"),
        ({"model": "conv", "latent": 2}, "latent", "unknown setting"),
    ],
)
def test_bad_settings_raise_config_error_naming_the_setting(given, field, words):
    with pytest.raises(ConfigError) as caught:
        RepresentationConfig.from_dict(given)
    assert caught.value.field == field
    assert words in caught.value.message, caught.value.message


def test_the_gaussian_level_may_go_up_to_one():
    config = RepresentationConfig.from_dict({"model": "denoising", "corruption": "gaussian", "corruption_level": 1})
    assert config.corruption_level == 1.0


# --- the job validator ---------------------------------------------------------------------------


def test_params_defaults():
    out = training_params_validate({})
    assert out == {"dataset": "fashion-mnist", "model": "conv", "config": {}}
    out = training_params_validate(
        {"model": "pca", "dataset": "MNIST", "config": {"code": 2, "test_count": "500", "probe": False, "draws": 3}}
    )
    assert out == {
        "dataset": "mnist",
        "model": "pca",
        "config": {"code": 2, "test_count": 500, "probe": False, "draws": 3},
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model": "gan2"}, "model"),
        ({"dataset": "cifar10"}, "dataset"),
        ({"config": [1, 2]}, "config"),
        ({"config": {"model": "pca"}}, "config"),
        ({"model": "tsne", "config": {"code": 3}}, "config.code"),
        ({"config": {"test_count": 99}}, "config.test_count"),
        ({"config": {"test_count": True}}, "config.test_count"),
        ({"config": {"probe": "no"}}, "config.probe"),
        ({"config": {"draws": 0}}, "config.draws"),
        ({"config": {"draws": 101}}, "config.draws"),
        ({"config": {"activate": "yes"}}, "config.activate"),
        ({"config": {"train_count": 9}}, "config.train_count"),
        ({"config": {"epochs": -1}}, "config.epochs"),
        ({"config": {"nonsense": 1}}, "config.nonsense"),
    ],
)
def test_params_refuse_bad_jobs_naming_the_field(params, field):
    with pytest.raises(InvalidInput) as caught:
        training_params_validate(params)
    assert list(caught.value.errors) == [field], caught.value.errors
