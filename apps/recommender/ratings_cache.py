"""A data set's ratings as arrays on disk, so a training worker does not read a million rows through the ORM.

Loading ML-1M's 1,000,209 ratings from SQLite through the ORM took minutes; the same arrays
from an .npz take well under a second. The file is written by the import (which has the
arrays in hand anyway) into the artifact folder, named after the import — the data set row's
id and creation time — so a re-import (a new row) never reads the old file, and the write
removes the older files of the slug. A missing or mismatching file is not an error: training
reads the database and writes the file for next time. NumPy only (the web imports services).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from apps.core.artifacts import artifact_path
from apps.core.ml.files import atomic_write, npz_write
from apps.recommender.models import Dataset

logger = logging.getLogger(__name__)

CACHE_FOLDER = "recommender-ratings"
CACHE_FORMAT = 1
RatingsArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _import_key(dataset: Dataset) -> str:
    # SQLite may hand a deleted row's id to the next import: the creation time tells them apart.
    return f"{dataset.pk}-{int(dataset.created_at.timestamp() * 1_000_000)}"


def ratings_cache_path(dataset: Dataset) -> Path:
    return artifact_path(f"{CACHE_FOLDER}/{dataset.slug}/ratings-{_import_key(dataset)}.npz")


def ratings_cache_write(dataset: Dataset, arrays: RatingsArrays) -> Path | None:
    """Write (user index, item index, rating, user ids, item ids) for this import; None if it could not."""
    user_index, item_index, rating, user_pk, item_pk = arrays
    path = ratings_cache_path(dataset)
    payload = {
        "format": np.array(CACHE_FORMAT),
        "key": np.array(_import_key(dataset)),
        "user_index": np.asarray(user_index, dtype=np.int32),
        "item_index": np.asarray(item_index, dtype=np.int32),
        "rating": np.asarray(rating, dtype=np.float32),
        "user_pk": np.asarray(user_pk, dtype=np.int64),
        "item_pk": np.asarray(item_pk, dtype=np.int64),
    }
    try:
        atomic_write(path, lambda tmp: npz_write(tmp, payload))
        for stale in path.parent.glob("ratings-*.npz"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:  # a cache: training falls back to the database
        logger.warning("could not write the ratings cache %s: %s", path, exc)
        return None
    return path


def ratings_cache_read(dataset: Dataset) -> RatingsArrays | None:
    """This import's arrays, or None when there is no file or it does not match the data set's counts."""
    path = ratings_cache_path(dataset)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            if int(npz["format"]) != CACHE_FORMAT or str(npz["key"]) != _import_key(dataset):
                return None
            arrays = tuple(npz[key] for key in ("user_index", "item_index", "rating", "user_pk", "item_pk"))
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("ignoring the unreadable ratings cache %s: %s", path, exc)
        return None
    user_index, item_index, rating, user_pk, item_pk = arrays
    if (len(rating), len(user_pk), len(item_pk)) != (dataset.n_ratings, dataset.n_users, dataset.n_items):
        return None
    return user_index, item_index, rating, user_pk, item_pk


def ratings_cache_delete(slug: str) -> None:
    """Every cached import of a slug (the data set is gone or replaced)."""
    folder = artifact_path(f"{CACHE_FOLDER}/{slug}")
    for path in folder.glob("ratings-*.npz") if folder.is_dir() else ():
        path.unlink(missing_ok=True)
