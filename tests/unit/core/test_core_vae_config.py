import pytest

from apps.core.ml.config import ConfigError
from apps.core.ml.vae.config import HIDDEN_DEFAULTS, LATENT_DEFAULTS, VaeConfig


def test_defaults_depend_on_the_model():
    for model in ("conv", "conditional", "latent2d", "mlp"):
        config = VaeConfig(model=model)
        assert config.latent_dim == LATENT_DEFAULTS[model] and config.hidden == HIDDEN_DEFAULTS[model]
    assert VaeConfig(model="mlp").latent_dim == 20 and VaeConfig(model="mlp").hidden == 400  # 784-400-20
    assert VaeConfig(model="latent2d").latent_dim == 2
    assert VaeConfig(model="conditional").conditional and not VaeConfig().conditional


def test_from_dict_accepts_json_and_form_spellings():
    config = VaeConfig.from_dict(
        {"model": "mlp", "beta": "4", "latent_dim": 8.0, "binarize": "true", "max_seconds": "", "lr_min": None}
    )
    assert (config.beta, config.latent_dim, config.binarize, config.max_seconds) == (4.0, 8, True, None)
    assert VaeConfig.from_dict({"binarize": 0}).binarize is False
    assert VaeConfig.from_dict(None) == VaeConfig()


def test_round_trip_through_a_dict():
    config = VaeConfig(model="conditional", beta=0.5, latent_dim=10, epochs=3, max_seconds=12.5)
    assert VaeConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"latent": 3}, "latent"),
        ({"beta": "lots"}, "beta"),
        ({"beta": -1}, "beta"),
        ({"beta": float("nan")}, "beta"),
        ({"model": "gan"}, "model"),
        ({"dataset": "cifar10"}, "dataset"),
        ({"model": "latent2d", "latent_dim": 3}, "latent_dim"),
        ({"latent_dim": 0}, "latent_dim"),
        ({"iwae_samples": 0}, "iwae_samples"),
        ({"iwae_samples": 1001}, "iwae_samples"),
        ({"iwae_samples": 5, "beta": 2}, "beta"),
        ({"iwae_samples": 5, "kl_warmup_epochs": 3}, "kl_warmup_epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"epochs": True}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"binarize": "maybe"}, "binarize"),
        ({"lr": 0}, "lr"),
        ({"lr_min": 1.0}, "lr_min"),
        ({"val_fraction": 0.5}, "val_fraction"),
        ({"max_seconds": -3}, "max_seconds"),
        ({"model": 3}, "model"),
    ],
)
def test_bad_settings_name_their_key(data, key):
    with pytest.raises(ConfigError, match=rf"^{key}:") as caught:
        VaeConfig.from_dict(data)
    assert caught.value.field == key
