"""The web-side validator of recommender training requests names the bad setting from ConfigError.field."""

import pytest

from apps.core.errors import InvalidInput
from apps.recommender.models import Dataset
from apps.recommender.training_config import DENSE_MAX_ITEMS, training_params_validate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dataset():
    return Dataset.objects.create(slug="tiny", name="Tiny", n_users=3, n_items=4)


def test_good_settings_pass_through():
    body = {"dataset": "tiny", "config": {"epochs": "3", "activate": False}}
    assert training_params_validate(body) == {"dataset": "tiny", "model": "ensemble", "config": body["config"]}


def test_the_default_model_is_the_ensemble_up_to_a_dense_sized_catalogue(dataset):
    """The ensemble's EDLAE holds an items × items matrix: a larger catalogue gets Mult-VAE by default."""
    Dataset.objects.filter(pk=dataset.pk).update(n_items=DENSE_MAX_ITEMS)
    assert training_params_validate({"dataset": "tiny"})["model"] == "ensemble"
    Dataset.objects.filter(pk=dataset.pk).update(n_items=DENSE_MAX_ITEMS + 1)
    assert training_params_validate({"dataset": "tiny"})["model"] == "mult-vae"
    assert training_params_validate({"dataset": "tiny", "model": "edlae"})["model"] == "edlae"  # a choice is kept


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"epochs": 0}, "config.epochs", "must be >= 1, got 0"),
        ({"epochs": 2.5}, "config.epochs", "must be an integer, not 2.5"),
        ({"dropout": True}, "config.dropout", "must be a number, not True"),
        ({"colour": 1}, "config.colour", "unknown setting"),
    ],
)
def test_bad_settings_name_their_field(config, field, message):
    with pytest.raises(InvalidInput) as caught:
        training_params_validate({"dataset": "tiny", "config": config})
    assert list(caught.value.errors) == [field]
    assert caught.value.errors[field][0].startswith(message)
