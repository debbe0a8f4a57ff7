"""Settings of the denoise app's two models: one SIGMA_MAX, the DAE's config moved from the gallery."""

import pytest

from apps.core.ml.config import ConfigError
from apps.denoise.ml import config as ml_config
from apps.denoise.ml.config import SIGMA_MAX, DaeConfig, DenoiserConfig


def test_dae_round_trip_through_a_dict():
    dae = DaeConfig(noise_std=0.5, width=8, dataset="mnist", max_seconds=12.5)
    assert DaeConfig.from_dict(dae.to_dict()) == dae
    assert DaeConfig.from_dict({"epochs": "3", "max_seconds": "null"}) == DaeConfig(epochs=3)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"noise_std": 0}, "noise_std"),
        ({"noise_std": 1.5}, "noise_std"),
        ({"width": 1}, "width"),
        ({"sigma": 1}, "sigma"),
        ({"epochs": "x"}, "epochs"),
        ({"dataset": "train400"}, "dataset"),
        ({"lr": float("nan")}, "lr"),
    ],
)
def test_dae_settings_are_checked(data, key):
    with pytest.raises(ConfigError) as caught:
        DaeConfig.from_dict(data)
    assert caught.value.field == key


def test_sigma_max_is_defined_once_and_used_everywhere():
    from pathlib import Path

    from apps.denoise.serializers import DenoiseCreateSerializer

    assert DenoiserConfig().sigma_max == SIGMA_MAX == 75.0
    assert DenoiseCreateSerializer().fields["sigma"].max_value == SIGMA_MAX
    root = Path(ml_config.__file__).resolve().parents[1]
    defined = [p.name for p in root.rglob("*.py") if "SIGMA_MAX =" in p.read_text()]
    assert defined == ["config.py"]
