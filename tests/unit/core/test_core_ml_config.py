"""apps.core.ml.config: one set of coercion rules for every app's config, each refusal naming its field."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field

import pytest

from apps.core.ml.config import Config, ConfigError, check


@dataclass(frozen=True)
class Sample(Config):
    count: int = 1
    rate: float = 0.5
    flag: bool = False
    name: str = "a"
    limit: float | None = None
    size: int | None = None
    label: str | None = None
    factors: tuple[float, ...] = (1.0, 0.5)

    def __post_init__(self) -> None:
        check(self.count >= 0, "count", "must be >= 0")


@dataclass
class Mutable(Config):
    epochs: int = 3
    tags: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        check(self.epochs >= 1, "epochs", "must be >= 1")


def test_config_error_names_the_field():
    exc = ConfigError("lr", "must be in (0, 1]")
    assert isinstance(exc, ValueError)
    assert (exc.field, exc.message, str(exc)) == ("lr", "must be in (0, 1]", "lr: must be in (0, 1]")
    again = pickle.loads(pickle.dumps(exc))  # Celery pickles exceptions between processes
    assert (type(again), again.field, again.message, str(again)) == (ConfigError, "lr", "must be in (0, 1]", str(exc))
    check(True, "lr", "never raised")
    with pytest.raises(ConfigError) as caught:
        check(False, "lr", "too big")
    assert (caught.value.field, caught.value.message) == ("lr", "too big")


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("count", 3, 3),
        ("count", 2.0, 2),
        ("count", "3", 3),
        ("count", " 7 ", 7),
        ("count", "-0", 0),
        ("rate", 1, 1.0),
        ("rate", 0.25, 0.25),
        ("rate", "0.125", 0.125),
        ("rate", "2", 2.0),
        ("rate", "1e-3", 1e-3),
        ("flag", True, True),
        ("flag", False, False),
        ("flag", 1, True),
        ("flag", 0, False),
        *[("flag", text, True) for text in ("true", "True", "1", "yes", "on", "ON")],
        *[("flag", text, False) for text in ("false", "FALSE", "0", "no", "off")],
        ("name", "b", "b"),
        ("name", "", ""),
        *[("limit", null, None) for null in (None, "", "none", "None", "null")],
        ("limit", "2.5", 2.5),
        ("limit", 3, 3.0),
        *[("size", null, None) for null in (None, "", "none", "None", "null")],
        ("size", "4", 4),
        ("size", 4.0, 4),
        ("label", "x", "x"),
        ("label", "null", None),
        ("factors", [1, 0.5], (1.0, 0.5)),
        ("factors", (0.9,), (0.9,)),
        ("factors", "1, 0.8,0.6", (1.0, 0.8, 0.6)),
        ("factors", "0.7,", (0.7,)),
        ("factors", ["1", "0.5"], (1.0, 0.5)),
    ],
)
def test_accepted_spellings(key, raw, expected):
    value = getattr(Sample.from_dict({key: raw}), key)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("count", True),
        ("count", False),
        ("count", 2.5),
        ("count", "2.5"),
        ("count", "ten"),
        ("count", ""),
        ("count", None),
        ("count", float("nan")),
        ("count", float("inf")),
        ("count", [1]),
        ("count", -1),  # the class's own range check, raised the same way
        ("rate", True),
        ("rate", "fast"),
        ("rate", None),
        ("rate", float("nan")),
        ("rate", float("inf")),
        ("rate", float("-inf")),
        ("rate", "nan"),
        ("rate", "-inf"),
        ("rate", {"value": 1}),
        ("flag", 2),
        ("flag", "maybe"),
        ("flag", 1.0),
        ("flag", None),
        ("name", 3),
        ("name", None),
        ("name", b"a"),
        ("limit", "soon"),
        ("limit", float("nan")),
        ("limit", True),
        ("size", 1.5),
        ("size", False),
        ("label", 3),
        ("factors", []),
        ("factors", ""),
        ("factors", " , "),
        ("factors", 1.0),
        ("factors", None),
        ("factors", [1, "x"]),
        ("factors", [1, float("nan")]),
        ("factors", [True]),
    ],
)
def test_refusals_name_the_field(key, raw):
    with pytest.raises(ConfigError, match=f"^{key}: ") as caught:
        Sample.from_dict({key: raw})
    assert caught.value.field == key


def test_unknown_key_names_it_and_lists_the_known_ones():
    with pytest.raises(ConfigError) as caught:
        Sample.from_dict({"count": 1, "colour": "red"})
    assert caught.value.field == "colour"
    assert "count, factors, flag, label, limit, name, rate, size" in caught.value.message


def test_defaults_round_trip_and_json():
    assert Sample.from_dict(None) == Sample.from_dict({}) == Sample()
    sample = Sample(count=4, rate=0.1, flag=True, limit=2.0, factors=(0.9, 0.8))
    as_dict = sample.to_dict()
    assert as_dict["factors"] == [0.9, 0.8] and isinstance(as_dict["factors"], list)
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert Sample.from_dict(as_dict) == sample
    assert Sample.from_dict(json.loads(json.dumps(as_dict))) == sample


def test_non_frozen_configs_validate_on_construction():
    config = Mutable.from_dict({"epochs": "5", "tags": ["a"]})
    assert config.epochs == 5 and config.tags == ["a"]  # unknown annotations pass through
    config.epochs = 0
    with pytest.raises(ConfigError) as caught:
        config.validate()
    assert caught.value.field == "epochs"
    with pytest.raises(ConfigError) as caught:
        Mutable.from_dict({"epochs": 0})
    assert caught.value.field == "epochs"


def test_only_dataclasses_can_use_it():
    class NotADataclass(Config):
        pass

    with pytest.raises(TypeError, match="dataclass"):
        NotADataclass.from_dict({})

