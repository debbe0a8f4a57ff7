"""Where the inpainters' training and test images come from (NumPy/Pillow; no Django).

Items: the Fashion-MNIST / MNIST splits of apps.core.ml.image_datasets. Photos: Train400 to
train (the bundled sample photos when it is missing, labelled as a fallback), Set12 (grey) and
the colour samples astronaut, coffee, chelsea to test, and scikit-image images neither the
training nor those tests use (brick, grass, gravel, rocket, moon, when scikit-image has them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

COLOUR_SAMPLES = ("astronaut", "coffee", "chelsea")
UNSEEN_SAMPLES = ("brick", "grass", "gravel", "rocket", "moon")


def items_load(dataset: str, split: str, data_dir: str | Path | None = None) -> np.ndarray:
    from apps.core.ml.image_datasets import dataset_load

    images, _labels = dataset_load(dataset, split, data_dir=data_dir, progress=False)
    return images


def photos_train_load(data_dirs: Sequence[str | Path] = ()) -> tuple[list[np.ndarray], str, bool]:
    """(grey images, where from, fallback?): Train400, else the sample photos."""
    from apps.core.ml.photos import dataset_load

    found = dataset_load("Train400", mode="L", extra_dirs=tuple(data_dirs))
    return found.images, found.source, found.fallback


def set12_load(data_dirs: Sequence[str | Path] = ()) -> list[np.ndarray]:
    """Set12's 12 grey images, [] when it is not found."""
    from apps.core.ml.photos import dataset_dir, images_load

    folder = dataset_dir("Set12", tuple(data_dirs))
    return [] if folder is None else images_load(folder, mode="L")


def colour_samples_load() -> tuple[list[np.ndarray], list[str]]:
    """The shipped colour sample photos (astronaut, coffee, chelsea) as RGB."""
    from apps.core.ml.photos import SAMPLES_DIR, samples_load

    folder = SAMPLES_DIR if SAMPLES_DIR.is_dir() else SAMPLES_DIR.parent.parent / "core" / "samples"
    found = samples_load(mode="RGB", names=COLOUR_SAMPLES, folder=folder)
    return found.images, found.names


def unseen_load() -> tuple[list[np.ndarray], list[str]]:
    """scikit-image images no training or Set12/colour test uses (those it bundles offline)."""
    try:
        from skimage import data as skdata
    except ImportError:
        return [], []
    images, names = [], []
    for name in UNSEEN_SAMPLES:
        try:
            images.append(np.asarray(getattr(skdata, name)()))
            names.append(name)
        except Exception:  # needs a download: left out offline
            continue
    return images, names
