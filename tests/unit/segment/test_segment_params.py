"""What a segmentation request may ask for: samples by name and seed, the data set, refusals naming the field."""

from __future__ import annotations

import pytest

from apps.core.errors import InvalidInput
from apps.core.params import SEED_MAX
from apps.segment.params import Sample, dataset_parse, sample_dataset_check, sample_parse


def refused(field: str, call, *args, **kwargs) -> str:
    with pytest.raises(InvalidInput) as err:
        call(*args, **kwargs)
    assert field in err.value.errors, err.value.errors
    return err.value.message


def test_scenes_by_seed_or_by_name():
    assert sample_parse("scene", seed=42) == Sample("scene", 42)
    assert sample_parse("scene-42") == Sample("scene", 42) == sample_parse("scene-42", seed=42)
    assert sample_parse("scene-0042").name == "scene-42"
    assert sample_parse(f"scene-{SEED_MAX}").number == SEED_MAX
    assert sample_parse("scene", seed=0).dataset == "fashionopolis"
    drawn = {sample_parse("scene").number for _ in range(5)}
    assert all(0 <= n <= SEED_MAX for n in drawn) and len(drawn) > 1  # drawn afresh each time


def test_em_slices_by_number():
    assert sample_parse("em-0") == Sample("em", 0)
    assert sample_parse("em-29").name == "em-29" and sample_parse("em-29").dataset == "isbi-em"


@pytest.mark.parametrize(
    "sample, seed, field",
    [
        ("cat", None, "sample"),
        ("", None, "sample"),
        (None, None, "sample"),
        (7, None, "sample"),
        ("scene-", None, "sample"),
        ("scene-1x", None, "sample"),
        (" scene-1", None, "sample"),
        ("scene--1", None, "sample"),
        (f"scene-{SEED_MAX + 1}", None, "sample"),
        ("scene", -1, "seed"),
        ("scene", SEED_MAX + 1, "seed"),
        ("scene", True, "seed"),
        ("scene", "3", "seed"),
        ("scene", 2.5, "seed"),
        ("scene-4", 5, "seed"),
        ("em", None, "sample"),
        ("em-30", None, "sample"),
        ("em--1", None, "sample"),
        ("em-3", 3, "seed"),
    ],
)
def test_refusals_name_the_field(sample, seed, field):
    refused(field, sample_parse, sample, seed=seed)


def test_data_sets():
    assert dataset_parse(None) == dataset_parse("") == "fashionopolis"
    assert dataset_parse("isbi-em") == "isbi-em"
    for bad in ("ISBI-EM", "cityscapes", 3):
        refused("dataset", dataset_parse, bad)
    assert sample_dataset_check(Sample("em", 3), None) == sample_dataset_check(Sample("em", 3), "isbi-em") == "isbi-em"
    assert "scene-3 is a fashionopolis sample" in refused(
        "dataset", sample_dataset_check, Sample("scene", 3), "isbi-em"
    )
