"""What a segmentation request may ask for, checked in the web process before anything is stored (no torch).

A request segments an upload, a generated Fashionopolis scene ("scene" with a seed, or "scene-<seed>")
or an ISBI EM slice ("em-<n>"); the sample decides the data set, an upload takes the one asked for
(Fashionopolis by default). Every refusal is an InvalidInput naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.core.errors import InvalidInput
from apps.core.params import SEED_MAX, param_seed
from apps.segment.ml.isbi import ISBI_TEST, ISBI_TRAIN
from apps.segment.slots import DEFAULT_DATASET, EM_DATASET, SCENES_DATASET, SEGMENT_DATASETS

EM_SLICES = ISBI_TRAIN + ISBI_TEST
_SAMPLE = re.compile(r"^(scene|em)(?:-(\d{1,10}))?$")


@dataclass(frozen=True)
class Sample:
    kind: str  # "scene" or "em"
    number: int  # the scene's seed, or the slice's index

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.number}"

    @property
    def dataset(self) -> str:
        return SCENES_DATASET if self.kind == "scene" else EM_DATASET


def dataset_parse(dataset: str | None) -> str:
    """The data set whose model segments an upload: "fashionopolis" (default) or "isbi-em"."""
    if dataset in (None, ""):
        return DEFAULT_DATASET
    if not isinstance(dataset, str) or dataset not in SEGMENT_DATASETS:
        raise InvalidInput("dataset", f"must be one of {', '.join(SEGMENT_DATASETS)}, not {dataset!r}")
    return dataset


def sample_parse(sample: str, *, seed: int | None = None) -> Sample:
    """ "scene" (with `seed`, drawn at random when None), "scene-<seed>" or "em-<n>" (n in 0..29).

    A seed both in the name and beside it must agree: two different scenes asked for at once is a mistake.
    """
    found = _SAMPLE.match(sample) if isinstance(sample, str) else None
    if found is None:
        raise InvalidInput("sample", f'must be "scene" (with a seed), "scene-<seed>" or "em-<n>", not {sample!r}')
    kind, number = found.group(1), found.group(2)
    if kind == "em":
        if seed is not None:
            raise InvalidInput("seed", "only a scene takes a seed; an EM slice is chosen by its number")
        if number is None or int(number) not in EM_SLICES:
            raise InvalidInput("sample", f"an EM slice is em-0 .. em-{EM_SLICES[-1]}, not {sample!r}")
        return Sample("em", int(number))
    if number is not None:
        named = int(number)
        if named > SEED_MAX:
            raise InvalidInput("sample", f"a scene's seed is 0..{SEED_MAX}, not {named}")
        if seed is not None and param_seed({"seed": seed}) != named:
            raise InvalidInput("seed", f"the sample names seed {named}, the seed field {seed!r}: send one of them")
        return Sample("scene", named)
    return Sample("scene", param_seed({"seed": seed}))


def sample_dataset_check(sample: Sample, dataset: str | None) -> str:
    """The sample's data set; one named beside it must be the same (a scene is not an EM slice)."""
    if dataset not in (None, "") and dataset != sample.dataset:
        raise InvalidInput("dataset", f"{sample.name} is a {sample.dataset} sample, not {dataset!r}")
    return sample.dataset
