"""Shipped one-class detectors: apps/anomaly/weights/ (detectors.npz, examples.npz, anomaly.json, MODEL_CARD.md).

`anomaly_export_weights VERSION_ID` writes them from a version `manage.py train anomaly` made on an
image data set; `seed_demo` registers them, so the images tab scores clothes on a fresh machine at
once instead of after a quick training behind every other app's first model.

No data-set image is committed: the shipped examples hold the test indices, scores and error maps
of the most normal and most anomalous test images, and the images themselves are read back from
the machine's own copy of the data set when the weights are registered.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from apps.core.ml.files import file_sha256, npz_write
from apps.core.models import ModelVersion
from apps.core.services import model_version_register_file

from .slots import ANOMALY_KIND

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
META_NAME = "anomaly.json"
DETECTORS, EXAMPLES = "detectors.npz", "examples.npz"
_IMAGE = "image_"  # examples' arrays of data-set images (by class); the indices are `index_<class>`


def detectors_half(source: Path, target: Path) -> None:
    """The detectors file with its float32 arrays (weights, training codes) in float16; the loader casts back."""
    with np.load(source, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    npz_write(target, {k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in arrays.items()})


def examples_strip(source: Path, target: Path) -> None:
    """The examples artifact without its data-set images (they are the test images at `index_<class>`)."""
    with np.load(source, allow_pickle=False) as data:
        npz_write(target, {key: data[key] for key in data.files if not key.startswith(_IMAGE)})


def examples_complete(source: Path, target: Path, test_images: np.ndarray) -> None:
    """The examples artifact as training wrote it: each class's images put back from the test split."""
    with np.load(source, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    for key in [key for key in arrays if key.startswith("index_")]:
        arrays[_IMAGE + key.removeprefix("index_")] = np.asarray(test_images[arrays[key]], np.uint8)
    npz_write(target, arrays)


def weights_meta(folder: Path | None = None) -> dict[str, Any] | None:
    path = (folder or WEIGHTS_DIR) / META_NAME
    return json.loads(path.read_text()) if path.is_file() else None


def anomaly_weights_register(
    test_images: np.ndarray, *, folder: Path | None = None, activate: bool | None = None
) -> ModelVersion | None:
    """Register the shipped detectors (once; sha256 checked) with their examples; None when none are shipped.

    `test_images` is the shipped data set's test split (the examples' images come from it);
    `activate=None` makes the version active only where its slot has none yet."""
    folder = folder or WEIGHTS_DIR
    meta = weights_meta(folder)
    if meta is None:
        return None
    sha256 = meta["sha256"]
    found = file_sha256(folder / EXAMPLES)
    if found != sha256["examples"]:
        raise ValueError(f"{folder / EXAMPLES}: sha256 {found} does not match the model card's {sha256['examples']}")
    card = folder / "MODEL_CARD.md"
    with tempfile.TemporaryDirectory() as tmp:
        examples = Path(tmp) / EXAMPLES
        examples_complete(folder / EXAMPLES, examples, test_images)
        version, _created = model_version_register_file(
            source=folder / DETECTORS,
            sha256=sha256["detectors"],
            relpath=f"anomaly/{meta['dataset']}/shipped-{sha256['detectors'][:12]}/{DETECTORS}",
            artifact="detectors",
            more={"examples": (examples, file_sha256(examples))},
            kind=ANOMALY_KIND,
            slot=meta["slot"],
            dataset=meta["dataset"],
            name=meta["name"],
            config={**meta["config"], "shipped": True},
            metrics=meta["metrics"],
            baselines=meta.get("baselines", {}),
            history=meta.get("history", []),
            card=card.read_text() if card.is_file() else "",
            activate=activate,
        )
    return version
