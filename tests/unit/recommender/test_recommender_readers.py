"""Readers on made-up files in every supported format (good and broken), and on real ML-100K when present."""

from __future__ import annotations

import atexit
import gzip
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from apps.recommender.ml.readers import ItemInfo, RatingsFormatError, format_detect, ratings_read
from tests.unit.recommender.reader_fixtures import reader_fixtures_write

# Written at import: parametrize needs the paths when the tests are collected.
FIXTURES = reader_fixtures_write(Path(tempfile.mkdtemp(prefix="aeweb-reader-fixtures-")))
atexit.register(shutil.rmtree, FIXTURES, ignore_errors=True)
DATA_DIR = Path(os.environ.get("AEWEB_DATA_DIR") or Path(__file__).resolve().parents[4] / "shared" / "data")


def triples(data) -> set[tuple[str, str, float]]:
    """Ratings as (user id, item id, rating): independent of how the reader numbers things."""
    return {
        (data.users[u], data.items[i].external_id, float(r))
        for u, i, r in zip(data.user_index, data.item_index, data.rating, strict=True)
    }


def error_lines(exc: pytest.ExceptionInfo) -> list[int]:
    return [line for line, _ in exc.value.errors]


# --- MovieLens 100K ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [FIXTURES / "ml100k", FIXTURES / "ml100k" / "u.data"])
def test_ml100k_folder_or_file(path):
    data = ratings_read(path)
    assert data.format == "ml-100k"
    assert data.users == ["2", "7", "10"]  # numeric order, not text order ("10" < "2")
    assert [i.external_id for i in data.items] == ["1", "2", "3", "4", "5"]  # item 5 is never rated: kept
    assert triples(data) == {
        ("10", "1", 5.0), ("10", "2", 4.0), ("10", "3", 4.0), ("2", "1", 1.0), ("2", "3", 5.0), ("7", "4", 2.0),
    }  # fmt: skip
    assert data.user_index.dtype == np.int32 and data.item_index.dtype == np.int32
    assert data.rating.dtype == np.float32 and data.timestamp.dtype == np.int64
    assert data.rating_scale == (1.0, 5.0)


def test_ml100k_keeps_the_last_of_repeated_ratings():
    data = ratings_read(FIXTURES / "ml100k")
    user, item = data.users.index("10"), 1
    rows = np.flatnonzero((data.user_index == user) & (data.item_index == item))
    assert len(rows) == 1
    assert data.rating[rows[0]] == 4.0 and data.timestamp[rows[0]] == 881250999


def test_ml100k_catalogue_titles_years_genres():
    items = ratings_read(FIXTURES / "ml100k").items
    assert items[0] == ItemInfo("1", "Alpha Quest (1994)", 1994, ["Action"])
    assert items[1] == ItemInfo("2", "Crème Brûlée", 1996, ["Comedy", "Drama"])  # latin-1; year from the date
    assert items[2].year == 1990 and items[2].genres == ["Action", "Drama"]
    assert items[3] == ItemInfo("4", "unknown", None, ["unknown"])


def test_ml100k_broken_reports_every_line():
    with pytest.raises(RatingsFormatError) as exc:
        ratings_read(FIXTURES / "ml100k_broken")
    assert error_lines(exc) == [2, 3, 4, 5]
    text = " ".join(what for _, what in exc.value.errors)
    for expected in ("'five' is not a number", "expected 4 columns, found 3", "'88125.5' is not an integer", "'9'"):
        assert expected in text
    assert "u.data" in str(exc.value) and "line 2" in str(exc.value)
    assert isinstance(exc.value, ValueError)


# --- MovieLens 1M ------------------------------------------------------------------------------


def test_ml1m():
    data = ratings_read(FIXTURES / "ml1m")
    assert data.format == "ml-1m"
    assert [(i.title, i.year, i.genres) for i in data.items] == [
        ("Alpha Quest (1994)", 1994, ["Action", "Comedy"]),
        ("Bêta, The (1996)", 1996, ["Drama"]),
        ("Gamma Ray (1990)", 1990, ["Action"]),
    ]
    assert ("2", "3", 2.0) in triples(data) and len(data.rating) == 5
    assert data.timestamp is not None and data.timestamp.tolist()[0] == 978300760


def test_ml1m_broken_movies_file():
    with pytest.raises(RatingsFormatError) as exc:
        ratings_read(FIXTURES / "ml1m_broken", "ml-1m")
    assert error_lines(exc) == [2] and "movies.dat" in str(exc.value)


def test_ml1m_partial_folder_reads_the_csv_and_titles_items_by_id(tmp_path):
    """Like shared/data/ml-1m: movies.dat, but ratings only as user_id,item_index,rating in a .csv.gz."""
    shutil.copy(FIXTURES / "ml1m" / "movies.dat", tmp_path / "movies.dat")
    with gzip.open(tmp_path / "ratings_no_timestamp.csv.gz", "wt") as fh:
        fh.write("user_id,item_index,rating\n1,1,5\n6,1,4\n1,12,3\n")
    assert format_detect(tmp_path) == "csv"
    data = ratings_read(tmp_path)
    assert data.format == "csv" and data.timestamp is None
    assert [(i.external_id, i.title) for i in data.items] == [("1", "1"), ("12", "12")]
    assert triples(data) == {("1", "1", 5.0), ("6", "1", 4.0), ("1", "12", 3.0)}
    with pytest.raises(RatingsFormatError, match="ratings_no_timestamp"):
        ratings_read(tmp_path, "ml-1m")


# --- MovieLens latest csv ----------------------------------------------------------------------


def test_movielens_csv():
    data = ratings_read(FIXTURES / "movielens_csv")
    assert data.format == "movielens-csv"
    assert data.rating_scale == (0.5, 5.0)
    assert [i.title for i in data.items] == [
        "Alpha Quest (1994)",
        "Beta, The (1996)",
        'Gamma "Ray" (2006–2007)',
        "Delta",
    ]
    assert [i.year for i in data.items] == [1994, 1996, 2006, None]
    assert data.items[2].genres == []  # "(no genres listed)"
    assert triples(data) == {("1", "1", 4.0), ("1", "2", 0.5), ("2", "3", 5.0), ("2", "1", 3.5)}


def test_movielens_csv_unknown_item():
    with pytest.raises(RatingsFormatError) as exc:
        ratings_read(FIXTURES / "movielens_csv_broken")
    assert exc.value.errors == [(3, "item '7' is not in the items file")]


# --- generic csv -------------------------------------------------------------------------------


def test_csv_semicolon_header_and_items_file():
    data = ratings_read(FIXTURES / "csv" / "ratings_semicolon.csv", items_path=FIXTURES / "csv" / "items.csv")
    assert data.format == "csv" and data.timestamp is None
    assert data.users == ["ann", "bob", "cy"]
    assert [i.external_id for i in data.items] == ["book-a", "book-b", "book-c", "book-d"]  # book-d: catalogue only
    assert data.items[0] == ItemInfo("book-a", "Apples, Pears (2001)", 2001, ["Cooking", "Garden"])
    assert triples(data) == {
        ("ann", "book-a", 4.0),
        ("ann", "book-b", 2.0),
        ("bob", "book-a", 5.0),
        ("cy", "book-c", 1.0),
    }


def test_csv_tab_without_header_titles_items_by_id():
    data = ratings_read(FIXTURES / "csv" / "ratings_tab.tsv", "csv")
    assert [(i.external_id, i.title) for i in data.items] == [("i1", "i1"), ("i2", "i2")]
    assert data.timestamp is not None and sorted(data.timestamp.tolist()) == [100, 101, 102]
    assert triples(data) == {("u2", "i1", 3.0), ("u1", "i2", 4.0), ("u1", "i1", 5.0)}


def test_csv_gz_and_comma(tmp_path):
    path = tmp_path / "r.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("7,3,4.5\n7,4,1\n")
    data = ratings_read(path)
    assert triples(data) == {("7", "3", 4.5), ("7", "4", 1.0)}


def test_csv_broken_lines_all_reported():
    with pytest.raises(RatingsFormatError) as exc:
        ratings_read(FIXTURES / "csv_broken" / "ratings.csv")
    assert error_lines(exc) == [3, 4, 5]


@pytest.mark.parametrize(
    ("name", "expected"), [("empty.csv", "empty file"), ("header_only.csv", "no ratings in the file")]
)
def test_csv_without_ratings(name, expected):
    with pytest.raises(RatingsFormatError) as exc:
        ratings_read(FIXTURES / "csv_broken" / name)
    assert exc.value.errors == [(0, expected)]


def test_csv_unknown_item_with_items_file():
    with pytest.raises(RatingsFormatError) as exc:
        ratings_read(
            FIXTURES / "csv_broken" / "ratings_unknown_item.csv",
            "csv",
            items_path=FIXTURES / "csv_broken" / "items.csv",
        )
    assert exc.value.errors == [(2, "item 'book-z' is not in the items file")]


def test_csv_unreadable_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("u,i,5\nu,caf\xe9,4\n".encode("latin-1"))
    with pytest.raises(RatingsFormatError) as exc:
        ratings_read(path)
    assert exc.value.errors[0][0] == 2 and "encoding" in exc.value.errors[0][1]


def test_csv_binary_file(tmp_path):
    path = tmp_path / "blob.csv"
    path.write_bytes(b"\x00\x01\x02")
    with pytest.raises(RatingsFormatError, match="not a text file"):
        ratings_read(path)


def test_errors_stop_at_twenty(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("user,item,rating\n" + "".join(f"u{k},i{k},bad\n" for k in range(50)))
    with pytest.raises(RatingsFormatError) as exc:
        ratings_read(path)
    assert error_lines(exc) == list(range(2, 22))
    assert "(and 15 more)" in str(exc.value)


def test_progress_is_reported_up_to_one():
    seen: list[float] = []
    ratings_read(FIXTURES / "ml100k", progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_unknown_format_and_missing_path(tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        ratings_read(FIXTURES / "ml100k", "parquet")
    with pytest.raises(FileNotFoundError):
        ratings_read(tmp_path / "nothing-here")


# --- the real data set -------------------------------------------------------------------------


def test_real_ml100k():
    folder = DATA_DIR / "ml-100k"
    if not (folder / "u.data").is_file():
        pytest.skip("MovieLens 100K not found (set AEWEB_DATA_DIR)")
    data = ratings_read(folder)
    assert (data.format, len(data.users), len(data.items), len(data.rating)) == ("ml-100k", 943, 1682, 100_000)
    assert data.rating_scale == (1.0, 5.0)
    assert data.items[0].title == "Toy Story (1995)" and data.items[0].year == 1995
    assert data.items[0].genres == ["Animation", "Children's", "Comedy"]
    assert np.bincount(data.user_index).min() >= 20  # every ML-100K user rated at least 20 movies
