"""Writes for the recommender: importing rating data sets into the database. No torch here."""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from pathlib import Path

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify

from apps.core.errors import Conflict, InvalidInput
from apps.core.models import ActiveModel
from apps.recommender.ml.readers import RatingsData, ratings_read
from apps.recommender.models import Dataset, DatasetUser, Item, Rating
from apps.recommender.ratings_cache import ratings_cache_delete, ratings_cache_write

RECOMMENDER_KIND = "recommender"
BATCH_SIZE = 20_000
KNOWN_NAMES = {"ml-100k": "MovieLens 100K", "ml-1m": "MovieLens 1M"}
# Files whose own name says nothing about the data set: their folder names it instead.
GENERIC_STEMS = ("ratings", "u", "data")

Progress = Callable[[float], None]


class DatasetExists(Conflict):
    code = "dataset_exists"


def dataset_slug_default(path: Path) -> str:
    """`ml-100k/` → ml-100k; `ml-1m/ratings_no_timestamp.csv.gz` → ml-1m; `my-ratings.csv` → my-ratings."""
    path = Path(path).resolve()
    if path.is_dir():
        return slugify(path.name)
    stem = path.name.split(".")[0]
    if stem.lower().startswith(GENERIC_STEMS):
        return slugify(path.parent.name)
    return slugify(stem)


def _fields_check(data: RatingsData) -> None:
    """The database's column widths, checked before anything is written."""
    for kind, ids in (("user", data.users), ("item", [info.external_id for info in data.items])):
        too_long = next((i for i in ids if len(i) > 100), None)
        if too_long is not None:
            raise InvalidInput("path", f"{kind} id {too_long[:40]!r}... is longer than 100 characters")
    if not data.n_ratings:
        raise InvalidInput("path", "the file holds no ratings")


def _dataset_rows_delete(dataset: Dataset) -> None:
    """Ratings first, in one statement: left to the cascade, Django would load every rating to delete it."""
    Rating.objects.filter(dataset=dataset).delete()
    DatasetUser.objects.filter(dataset=dataset).delete()
    Item.objects.filter(dataset=dataset).delete()
    dataset.delete()
    # The active model was trained on the old rows (their ids are gone): it must not serve the new ones.
    ActiveModel.objects.filter(kind=RECOMMENDER_KIND, dataset=dataset.slug).delete()
    ratings_cache_delete(dataset.slug)


def _pks_by_index(queryset, n: int) -> np.ndarray:
    pairs = np.array(list(queryset.values_list("index", "pk")), dtype=np.int64).reshape(-1, 2)
    pks = np.zeros(n, dtype=np.int64)
    pks[pairs[:, 0]] = pairs[:, 1]
    return pks


def _ratings_insert(dataset: Dataset, data: RatingsData, user_pks, item_pks, progress: Progress | None) -> None:
    """Raw batched inserts: bulk_create would build a model instance and bind parameters per row in
    Python (about 10 s for ML-100K on SQLite, whose 999-parameter limit also caps batches at 199 rows).
    PostgreSQL gets COPY, several times faster again than its executemany."""
    meta = Rating._meta
    quote = connection.ops.quote_name
    names = ("dataset", "user", "item", "rating", "timestamp")
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    table = quote(meta.db_table)
    users = user_pks[data.user_index].tolist()
    items = item_pks[data.item_index].tolist()
    ratings = data.rating.astype(np.float64).tolist()
    stamps = data.timestamp.tolist() if data.timestamp is not None else [None] * len(ratings)
    total = len(ratings)
    with connection.cursor() as cursor:
        for start in range(0, total, BATCH_SIZE):
            stop = min(total, start + BATCH_SIZE)
            rows = zip(
                repeat(dataset.pk), users[start:stop], items[start:stop], ratings[start:stop], stamps[start:stop]
            )
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)", list(rows))
            if progress:
                progress(0.5 + 0.5 * stop / total)


def dataset_import(
    *,
    path: Path | str,
    fmt: str = "auto",
    slug: str | None = None,
    name: str | None = None,
    items_path: Path | str | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> Dataset:
    """Read a rating file or folder and store it as a Dataset with its items, users and ratings.

    All or nothing: the rows are written in one transaction. An existing slug is refused
    (409) unless `replace`, which swaps the old rows for the new ones in the same transaction
    and deactivates the old model (it was trained on rows that no longer exist). Malformed
    files raise `RatingsFormatError` (line numbers in `.errors`) before anything is written.
    `progress` gets fractions 0..1: reading is the first 40 %, writing the rest.
    """
    path = Path(path)
    slug = slugify(slug) if slug else dataset_slug_default(path)
    if not slug:
        raise InvalidInput("slug", "cannot derive a slug from the path; pass one")
    if not replace and Dataset.objects.filter(slug=slug).exists():
        raise DatasetExists(_exists_message(slug))

    data = ratings_read(
        path,
        fmt,
        items_path=Path(items_path) if items_path else None,
        progress=(lambda f: progress(0.4 * f)) if progress else None,
    )
    _fields_check(data)

    with transaction.atomic():
        existing = Dataset.objects.select_for_update().filter(slug=slug).first()
        if existing is not None:
            if not replace:  # created by a concurrent import since the check above
                raise DatasetExists(_exists_message(slug))
            _dataset_rows_delete(existing)
        try:
            with transaction.atomic():
                dataset = _dataset_create(slug, name, path, data)
        except IntegrityError:  # the same slug created by a concurrent import
            raise DatasetExists(_exists_message(slug)) from None
        _catalogue_insert(dataset, data)
        if progress:
            progress(0.5)
        item_pks = _pks_by_index(Item.objects.filter(dataset=dataset), data.n_items)
        user_pks = _pks_by_index(DatasetUser.objects.filter(dataset=dataset), data.n_users)
        _ratings_insert(dataset, data, user_pks, item_pks, progress)
    # After the commit: training reads these arrays instead of every rating row (see ratings_cache).
    ratings_cache_write(dataset, (data.user_index, data.item_index, data.rating, user_pks, item_pks))
    return dataset


def _exists_message(slug: str) -> str:
    return f"A data set {slug!r} already exists; import with replace (--replace) to overwrite it."


def _dataset_create(slug: str, name: str | None, path: Path, data: RatingsData) -> Dataset:
    rating_min, rating_max = data.rating_scale
    return Dataset.objects.create(
        slug=slug,
        name=(name or KNOWN_NAMES.get(slug) or slug.replace("-", " ").title())[:200],
        source_format=data.format,
        source_path=str(path)[-500:],
        rating_min=rating_min,
        rating_max=rating_max,
        n_users=data.n_users,
        n_items=data.n_items,
        n_ratings=data.n_ratings,
    )


def _catalogue_insert(dataset: Dataset, data: RatingsData) -> None:
    item_counts = np.bincount(data.item_index, minlength=data.n_items).tolist()
    user_counts = np.bincount(data.user_index, minlength=data.n_users).tolist()
    Item.objects.bulk_create(
        [
            Item(
                dataset=dataset,
                index=index,
                external_id=info.external_id,
                title=info.title[:500],
                year=info.year if info.year is not None and 0 < info.year < 32768 else None,
                genres=list(info.genres),
                n_ratings=count,
            )
            for index, (info, count) in enumerate(zip(data.items, item_counts, strict=True))
        ],
        batch_size=BATCH_SIZE,
    )
    DatasetUser.objects.bulk_create(
        [
            DatasetUser(dataset=dataset, index=index, external_id=external_id, n_ratings=count)
            for index, (external_id, count) in enumerate(zip(data.users, user_counts, strict=True))
        ],
        batch_size=BATCH_SIZE,
    )
