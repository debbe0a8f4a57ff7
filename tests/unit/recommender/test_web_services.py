"""Importing rating data sets into the database: counts, scale, atomicity, replace, the command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.core.api_errors import application_error_status
from apps.core.errors import InvalidInput
from apps.core.models import ActiveModel
from apps.core.services import model_version_activate, model_version_create
from apps.recommender import services
from apps.recommender.ml.readers import RatingsFormatError
from apps.recommender.models import Dataset, DatasetUser, Item, Rating

pytestmark = pytest.mark.django_db

# user, item, rating: 3 users, 4 rated items (+1 only in the items file), ratings on a 0.5..5 scale.
RATINGS = """user,item,rating
u1,m1,5
u1,m2,3.5
u1,m3,0.5
u2,m1,4
u2,m4,2
u3,m2,5
"""
ITEMS = """item,title,genres
m1,Alpha (1994),Drama|Comedy
m2,Beta (2001),Action
m3,Gamma,
m4,Delta (1977),Sci-Fi
m5,Never Rated (1999),Drama
"""
ML100K_DATA = "1\t1\t5\t881250949\n1\t2\t3\t881250950\n2\t1\t4\t881250951\n"
ML100K_ITEMS = (
    "1|Toy Tale (1995)|01-Jan-1995||http://example.org/1|0|1|0\n2|Old Film|05-Mar-1961||http://example.org/2|0|0|1\n"
)
ML100K_GENRES = "unknown|0\nAnimation|1\nDrama|2\n\n"


def files_write(folder: Path, ratings: str = RATINGS, items: str = ITEMS) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings.csv").write_text(ratings)
    (folder / "items.csv").write_text(items)
    return folder / "ratings.csv", folder / "items.csv"


def test_import_csv_with_items_stores_counts_scale_and_catalogue(tmp_path):
    ratings, items = files_write(tmp_path / "my-set")
    dataset = services.dataset_import(path=ratings, items_path=items, slug="small", name="Small set")
    dataset.refresh_from_db()
    assert (dataset.slug, dataset.name, dataset.source_format) == ("small", "Small set", "csv")
    assert (dataset.n_users, dataset.n_items, dataset.n_ratings) == (3, 5, 6)
    assert (dataset.rating_min, dataset.rating_max) == (0.5, 5.0)
    assert Rating.objects.filter(dataset=dataset).count() == 6
    per_item = dict(Item.objects.filter(dataset=dataset).values_list("external_id", "n_ratings"))
    assert per_item == {"m1": 2, "m2": 2, "m3": 1, "m4": 1, "m5": 0}
    per_user = dict(DatasetUser.objects.filter(dataset=dataset).values_list("external_id", "n_ratings"))
    assert per_user == {"u1": 3, "u2": 2, "u3": 1}
    alpha = Item.objects.get(dataset=dataset, external_id="m1")
    assert (alpha.title, alpha.year, alpha.genres) == ("Alpha (1994)", 1994, ["Drama", "Comedy"])
    # Every rating joins the right user and item rows, with its value.
    stored = set(Rating.objects.filter(dataset=dataset).values_list("user__external_id", "item__external_id", "rating"))
    assert ("u1", "m3", 0.5) in stored and ("u3", "m2", 5.0) in stored and len(stored) == 6


def test_indices_are_dense_and_match_the_reader(tmp_path):
    ratings, items = files_write(tmp_path)
    dataset = services.dataset_import(path=ratings, items_path=items, slug="dense")
    assert sorted(Item.objects.filter(dataset=dataset).values_list("index", flat=True)) == list(range(5))
    assert sorted(DatasetUser.objects.filter(dataset=dataset).values_list("index", flat=True)) == list(range(3))


def test_import_ml100k_folder_reads_titles_years_genres_and_default_slug(tmp_path):
    folder = tmp_path / "ml-100k"
    folder.mkdir()
    (folder / "u.data").write_text(ML100K_DATA)
    (folder / "u.item").write_text(ML100K_ITEMS, encoding="latin-1")
    (folder / "u.genre").write_text(ML100K_GENRES)
    dataset = services.dataset_import(path=folder)
    assert (dataset.slug, dataset.name, dataset.source_format) == ("ml-100k", "MovieLens 100K", "ml-100k")
    toy = Item.objects.get(dataset=dataset, external_id="1")
    assert (toy.title, toy.year, toy.genres, toy.n_ratings) == ("Toy Tale (1995)", 1995, ["Animation"], 2)
    assert Item.objects.get(dataset=dataset, external_id="2").year == 1961  # from the release date
    assert Rating.objects.filter(dataset=dataset, timestamp=881250951).count() == 1


@pytest.mark.parametrize(
    ("relative", "slug"),
    [("ml-1m/ratings_no_timestamp.csv.gz", "ml-1m"), ("data/My Ratings.csv", "my-ratings"), ("ml-100k", "ml-100k")],
)
def test_default_slug_names_the_data_set_not_the_file(tmp_path, relative, slug):
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir() if "." not in path.name else path.write_text("")
    assert services.dataset_slug_default(path) == slug


def test_malformed_file_raises_with_line_numbers_and_writes_nothing(tmp_path):
    ratings, _ = files_write(tmp_path, ratings="user,item,rating\nu1,m1,5\nu2,m2,lots\nu3\n")
    with pytest.raises(RatingsFormatError) as err:
        services.dataset_import(path=ratings, slug="broken")
    assert [line for line, _ in err.value.errors] == [3, 4]
    assert not Dataset.objects.exists() and not Rating.objects.exists()


def test_failure_while_writing_rolls_everything_back(tmp_path, monkeypatch):
    ratings, items = files_write(tmp_path)
    original = services._ratings_insert

    def insert_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        assert Rating.objects.count() == 6  # the rows were written inside the transaction...
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_ratings_insert", insert_then_fail)
    with pytest.raises(RuntimeError):
        services.dataset_import(path=ratings, items_path=items, slug="atomic")
    # ...and are gone with it.
    assert not Dataset.objects.exists() and not Item.objects.exists()
    assert not DatasetUser.objects.exists() and not Rating.objects.exists()


def test_existing_slug_is_refused_and_left_alone(tmp_path):
    ratings, items = files_write(tmp_path)
    first = services.dataset_import(path=ratings, items_path=items, slug="taken")
    other, _ = files_write(tmp_path / "other", ratings="user,item,rating\nx,y,1\n")
    with pytest.raises(services.DatasetExists) as err:
        services.dataset_import(path=other, slug="taken")
    assert application_error_status(err.value) == 409 and err.value.code == "dataset_exists"
    assert "replace" in err.value.message
    assert Dataset.objects.get().pk == first.pk and Rating.objects.count() == 6


def test_replace_swaps_rows_and_deactivates_the_old_model(tmp_path):
    ratings, items = files_write(tmp_path)
    old = services.dataset_import(path=ratings, items_path=items, slug="swap")
    version = model_version_create(kind="recommender", dataset="swap", name="ease", config={}, metrics={}, artifacts={})
    model_version_activate(model_version=version)
    other, _ = files_write(tmp_path / "other", ratings="user,item,rating\nx,y,1\nx,z,2\nw,y,2\n")
    new = services.dataset_import(path=other, slug="swap", replace=True)
    assert new.pk != old.pk and Dataset.objects.get().pk == new.pk
    assert (new.n_users, new.n_items, new.n_ratings) == (2, 2, 3)
    assert Rating.objects.count() == 3 and Item.objects.count() == 2 and DatasetUser.objects.count() == 2
    assert not ActiveModel.objects.filter(kind="recommender", dataset="swap").exists()


def test_replace_with_a_broken_file_keeps_the_old_data(tmp_path):
    ratings, items = files_write(tmp_path)
    old = services.dataset_import(path=ratings, items_path=items, slug="keep")
    broken, _ = files_write(tmp_path / "broken", ratings="user,item,rating\nx,y,high\n")
    with pytest.raises(RatingsFormatError):
        services.dataset_import(path=broken, slug="keep", replace=True)
    assert Dataset.objects.get().pk == old.pk and Rating.objects.count() == 6


def test_ids_too_long_for_the_database_are_refused(tmp_path):
    ratings, _ = files_write(tmp_path, ratings=f"user,item,rating\nu1,{'m' * 101},4\n")
    with pytest.raises(InvalidInput) as err:
        services.dataset_import(path=ratings, slug="long")
    assert "path" in err.value.errors and "100 characters" in str(err.value.errors["path"])
    assert not Dataset.objects.exists()


def test_progress_reports_rise_to_one(tmp_path):
    ratings, items = files_write(tmp_path)
    seen: list[float] = []
    services.dataset_import(path=ratings, items_path=items, slug="progress", progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3


# --- the command --------------------------------------------------------------------------------


def test_command_imports_and_reports(tmp_path):
    ratings, items = files_write(tmp_path)
    out = StringIO()
    call_command(
        "import_ratings", str(ratings), "--items", str(items), "--slug", "cmd", "--name", "Cmd", stdout=out, verbosity=0
    )
    assert "3 users, 5 items, 6 ratings" in out.getvalue()
    assert Dataset.objects.get().name == "Cmd"


def test_command_lists_malformed_lines_and_fails(tmp_path):
    ratings, _ = files_write(tmp_path, ratings="user,item,rating\nu1,m1,5\nu2,m2,lots\nu3,m3,4,5,6\n")
    with pytest.raises(CommandError) as err:
        call_command("import_ratings", str(ratings), "--format", "csv", verbosity=0)
    message = str(err.value)
    assert "line 3" in message and "line 4" in message and "Nothing imported" in message
    assert err.value.returncode != 0
    assert not Dataset.objects.exists()


def test_command_refuses_an_existing_slug_unless_replace(tmp_path):
    ratings, items = files_write(tmp_path)
    call_command("import_ratings", str(ratings), "--items", str(items), "--slug", "dup", verbosity=0)
    with pytest.raises(CommandError) as err:
        call_command("import_ratings", str(ratings), "--slug", "dup", verbosity=0)
    assert "--replace" in str(err.value)
    call_command("import_ratings", str(ratings), "--slug", "dup", "--replace", verbosity=0, stdout=StringIO())
    assert Dataset.objects.get().n_items == 4  # replaced: no items file this time


def test_command_missing_path_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_ratings", str(tmp_path / "nope.csv"), verbosity=0)
