"""`train anomaly`'s validator and the configs: defaults per kind of data set, refusals naming the field."""

from __future__ import annotations

import pytest

from apps.anomaly.ml.config import ImageTrainConfig, SeriesTrainConfig, TableFitConfig
from apps.anomaly.params import image_score_params_validate, training_params_validate
from apps.core.errors import InvalidInput
from apps.core.ml.config import ConfigError


def test_defaults_follow_the_data_set():
    assert training_params_validate({}) == {"dataset": "fashion-mnist", "model": "conv", "config": {}}
    assert training_params_validate({"dataset": "ucr-135"})["model"] == "conv"
    params = training_params_validate({"dataset": "mnist", "model": "vae", "config": {"seconds": "20"}})
    assert params["model"] == "vae" and params["config"] == {"seconds": "20"}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"dataset": "cifar"}, "dataset"),
        ({"model": "gru"}, "model"),  # a series model on images
        ({"dataset": "yahoo", "model": "dae"}, "model"),
        ({"config": {"classes": "0,11"}}, "config.classes"),
        ({"config": {"classes": "1,1"}}, "config.classes"),
        ({"config": {"seconds": 0}}, "config.seconds"),
        ({"config": {"baselines": "pca,lof"}}, "config.baselines"),
        ({"dataset": "mitdb", "config": {"window": 2}}, "config.window"),
        ({"config": {"warp": 1}}, "config.warp"),
    ],
)
def test_bad_training_params_name_the_field(params, field):
    with pytest.raises(InvalidInput) as err:
        training_params_validate(params)
    assert field in err.value.errors, err.value.errors


def test_configs_coerce_command_line_values():
    config = ImageTrainConfig.from_dict({"classes": "0, 7", "baselines": "none", "seconds": "2.5"})
    assert config.classes == (0, 7) and config.baselines is None and config.seconds == 2.5
    assert SeriesTrainConfig.from_dict({"contamination": "0.05"}).contamination == 0.05
    assert TableFitConfig().detectors == ("ae", "vae")
    with pytest.raises(ConfigError):
        TableFitConfig.from_dict({"contamination": 0.7})


def test_image_score_params_are_checked():
    good = {"version": 3, "normal_class": 4, "pixels": [0] * 784}
    assert image_score_params_validate(good) == good
    for bad in ({**good, "pixels": [0] * 783}, {**good, "pixels": [256] * 784}, {**good, "normal_class": 10}):
        with pytest.raises(InvalidInput):
            image_score_params_validate(bad)
