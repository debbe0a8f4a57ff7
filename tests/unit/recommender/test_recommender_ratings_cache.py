"""The ratings cache: written at import, read by training instead of the ORM, never stale after a re-import."""

from __future__ import annotations

import numpy as np
import pytest

from apps.recommender import services
from apps.recommender.ratings_cache import ratings_cache_path, ratings_cache_read
from apps.recommender.training import ratings_arrays, ratings_arrays_from_db
from tests.unit.recommender.test_web_services import RATINGS, files_write

pytestmark = pytest.mark.django_db

OTHER_RATINGS = "user,item,rating\nu1,m1,1\nu9,m2,4\nu9,m3,5\n"


@pytest.fixture(autouse=True)
def artifacts_here(settings, tmp_path):
    settings.AEWEB_ARTIFACT_DIR = tmp_path / "artifacts"


def triples(arrays) -> set[tuple[int, int, float]]:
    """(user pk, item pk, rating): the same whichever order the rows come in."""
    user_index, item_index, rating, user_pk, item_pk = arrays
    return set(zip(user_pk[user_index].tolist(), item_pk[item_index].tolist(), rating.tolist(), strict=True))


def test_import_writes_the_arrays_training_reads(tmp_path, django_assert_max_num_queries):
    ratings, items = files_write(tmp_path / "set")
    dataset = services.dataset_import(path=ratings, items_path=items, slug="small")
    assert ratings_cache_path(dataset).is_file()
    with django_assert_max_num_queries(0):  # no rating row read through the ORM
        cached = ratings_arrays(dataset)
    from_db = ratings_arrays_from_db(dataset)
    assert triples(cached) == triples(from_db) and len(cached[2]) == 6
    np.testing.assert_array_equal(cached[3], from_db[3])
    np.testing.assert_array_equal(cached[4], from_db[4])


def test_reimport_replaces_the_cache(tmp_path):
    ratings, items = files_write(tmp_path / "set")
    old = services.dataset_import(path=ratings, items_path=items, slug="small")
    old_path = ratings_cache_path(old)
    other, _ = files_write(tmp_path / "other", ratings=OTHER_RATINGS)
    new = services.dataset_import(path=other, slug="small", replace=True)
    assert not old_path.exists() and ratings_cache_path(new).is_file()
    assert ratings_cache_read(old) is None  # the old import's row can never read the new arrays
    assert triples(ratings_arrays(new)) == triples(ratings_arrays_from_db(new))
    assert len(ratings_arrays(new)[2]) == 3


def test_missing_or_broken_cache_falls_back_to_the_database_and_rewrites_it(tmp_path):
    ratings, items = files_write(tmp_path / "set", ratings=RATINGS)
    dataset = services.dataset_import(path=ratings, items_path=items, slug="small")
    path = ratings_cache_path(dataset)
    path.write_bytes(b"not an npz")
    assert ratings_cache_read(dataset) is None
    assert triples(ratings_arrays(dataset)) == triples(ratings_arrays_from_db(dataset))
    assert ratings_cache_read(dataset) is not None  # written again from the database
    path.unlink()
    assert triples(ratings_arrays(dataset)) == triples(ratings_arrays_from_db(dataset)) and path.is_file()


def test_cache_with_other_counts_is_ignored(tmp_path):
    ratings, items = files_write(tmp_path / "set")
    dataset = services.dataset_import(path=ratings, items_path=items, slug="small")
    dataset.n_ratings += 1  # as if rows were added behind the import's back
    assert ratings_cache_read(dataset) is None
