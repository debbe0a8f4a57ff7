"""Readers for rating data sets: MovieLens 100K, 1M, latest (csv) and any user,item,rating csv.

Every reader returns a `RatingsData`: users and items indexed densely (the rows and columns
of the models' matrices) and one entry per rating in three parallel arrays. NumPy only.

Conventions shared by every format:
- users and items are ordered by id (numerically when every id is a plain integer), except
  that items given by an items file keep that file's order; items listed there but never
  rated are kept, so the catalogue is complete;
- a (user, item) pair rated twice keeps its LAST rating in file order (a re-rating replaces
  the earlier one, as rating logs are append-only);
- malformed input raises `RatingsFormatError` naming the file and, where it applies, the
  1-based line (0 stands for the file as a whole).
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import numpy as np

MAX_ERRORS = 20
FORMATS = ("auto", "ml-100k", "ml-1m", "movielens-csv", "csv")

# u.genre's content, for copies of ML-100K that lack that file (the list is fixed by the data set).
ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip

_YEAR_IN_TITLE = re.compile(r"\((\d{4})(?:\s*[-–]\s*\d{0,4})?\)\s*$")
_YEAR_IN_DATE = re.compile(r"(\d{4})\s*$")
_ITEM_HEADER_NAMES = {"item", "item_id", "itemid", "movieid", "movie_id", "id"}


class RatingsFormatError(ValueError):
    """Input that cannot be read as ratings; `.errors` lists (line, what is wrong), line 0 = whole file."""

    def __init__(self, path: Path | str, errors: list[tuple[int, str]]) -> None:
        self.path = str(path)
        self.errors = list(errors)
        shown = "; ".join(f"line {line}: {what}" if line else what for line, what in self.errors[:5])
        more = f" (and {len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
        super().__init__(f"{self.path}: {shown}{more}")


@dataclass
class ItemInfo:
    external_id: str
    title: str
    year: int | None = None
    genres: list[str] = field(default_factory=list)


@dataclass
class RatingsData:
    format: str
    users: list[str]
    items: list[ItemInfo]
    user_index: np.ndarray  # int32, one per rating
    item_index: np.ndarray  # int32
    rating: np.ndarray  # float32
    timestamp: np.ndarray | None  # int64, or None when the source has none

    @property
    def rating_scale(self) -> tuple[float, float]:
        if not len(self.rating):
            return (0.0, 0.0)
        return (float(self.rating.min()), float(self.rating.max()))

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_ratings(self) -> int:
        return len(self.rating)


class _Errors:
    """Collects up to MAX_ERRORS problems of one file, so a user sees many at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, what: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append((int(line), what))

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_ERRORS

    def raise_if_any(self) -> None:
        if self.items:
            raise RatingsFormatError(self.path, sorted(self.items))


def _fail(path: Path, line: int, what: str) -> RatingsFormatError:
    return RatingsFormatError(path, [(line, what)])


# ---------------------------------------------------------------------------------------------
# text and lines


def _bytes_read(path: Path) -> bytes:
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if path.name.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read()
        except (OSError, EOFError, zlib.error) as exc:
            raise _fail(path, 0, f"not a readable gzip file ({exc})") from exc
    return path.read_bytes()


def _text_read(path: Path, encoding: str) -> str:
    raw = _bytes_read(path)
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise _fail(path, raw.count(b"\n", 0, nul) + 1, "binary data (a NUL byte): not a text file")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise _fail(path, line, f"unreadable encoding: byte 0x{bad} is not valid {encoding}") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise _fail(path, 0, "empty file")
    return text


def _lines_split(text: str) -> tuple[list[str], np.ndarray | None]:
    """Non-blank lines, and their 1-based line numbers (None when line k is simply lines[k - 1])."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    # Blank lines inside a file are rare; only then pay for a Python-level filter.
    if "" not in lines:
        return lines, None
    kept = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    return [line for _, line in kept], np.fromiter((n for n, _ in kept), dtype=np.int64, count=len(kept))


def _line_numbers(numbers: np.ndarray | None, count: int, offset: int = 0) -> np.ndarray:
    if numbers is None:
        return np.arange(1 + offset, count + 1 + offset, dtype=np.int64)
    return numbers[offset : offset + count]


# ---------------------------------------------------------------------------------------------
# ratings columns → RatingsData


@dataclass
class _Columns:
    """The ratings as strings, column by column, with each row's line number in its file."""

    path: Path
    users: Sequence[str]
    items: Sequence[str]
    ratings: Sequence[str]
    timestamps: Sequence[str] | None
    lines: np.ndarray


def _width_choose(counts: np.ndarray, lines: np.ndarray, widths: tuple[int, ...], errors: _Errors) -> int | None:
    """The column count of the file: the first row's, or else the commonest allowed one."""
    if not len(counts):
        errors.add(0, "no ratings in the file")
        return None
    if int(counts[0]) in widths:
        return int(counts[0])
    allowed = [w for w in widths if (counts == w).any()]
    if not allowed:
        expected = " or ".join(str(w) for w in widths)
        errors.add(int(lines[0]), f"expected {expected} columns (user, item, rating[, timestamp]), found {counts[0]}")
        return None
    return max(allowed, key=lambda w: int((counts == w).sum()))


def _columns_from_rows(
    path: Path, rows: list[list[str]], counts: np.ndarray, lines: np.ndarray, width: int, errors: _Errors
) -> _Columns:
    """Rows of the wrong width are reported and left out, so the others can still be checked."""
    bad = np.flatnonzero(counts != width)
    for k in bad[:MAX_ERRORS]:
        errors.add(int(lines[k]), f"expected {width} columns, found {int(counts[k])}")
    if len(bad):
        good = np.flatnonzero(counts == width)
        rows, lines = [rows[k] for k in good], lines[good]
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    return _Columns(
        path=path,
        users=columns[0],
        items=columns[1],
        ratings=columns[2],
        timestamps=columns[3] if width >= 4 else None,
        lines=lines,
    )


def _floats_parse(values: Sequence[str], lines: np.ndarray, name: str, errors: _Errors) -> np.ndarray:
    array = np.asarray(values)
    try:
        parsed = array.astype(np.float64)
    except ValueError:
        parsed = np.full(len(array), np.nan)
        for k, value in enumerate(values):
            try:
                parsed[k] = float(value)
            except ValueError:
                errors.add(int(lines[k]), f"{name} {value!r} is not a number")
                if errors.full:
                    break
        return parsed
    for k in np.flatnonzero(~np.isfinite(parsed))[:MAX_ERRORS]:
        errors.add(int(lines[k]), f"{name} {values[k]!r} is not a finite number")
    return parsed


def _ints_parse(values: Sequence[str], lines: np.ndarray, name: str, errors: _Errors) -> np.ndarray:
    array = np.asarray(values)
    try:
        return array.astype(np.int64)
    except (ValueError, OverflowError):
        parsed = np.zeros(len(array), dtype=np.int64)
        for k, value in enumerate(values):
            try:
                parsed[k] = int(value)
            except ValueError:
                errors.add(int(lines[k]), f"{name} {value!r} is not an integer")
                if errors.full:
                    break
        return parsed


def _ids_index(ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct ids in id order (numeric when all are plain integers) and each entry's position.

    Works on the distinct raw strings first: far fewer than the entries, so stripping and
    number parsing stay cheap on millions of ratings.
    """
    raw_unique, inverse = np.unique(np.asarray(ids, dtype=str), return_inverse=True)
    unique, merged = np.unique(np.char.strip(raw_unique), return_inverse=True)
    inverse = merged[inverse.reshape(-1)]
    numeric = (
        unique.size > 0
        and bool(np.char.isdigit(unique).all())
        and int(np.char.str_len(unique).max()) <= 18
        and not bool((np.char.startswith(unique, "0") & (np.char.str_len(unique) > 1)).any())
    )
    if numeric:
        order = np.argsort(unique.astype(np.int64), kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        unique, inverse = unique[order], rank[inverse]
    return unique.tolist(), inverse.astype(np.int32)


def _ids_check(ids: list[str], inverse: np.ndarray, lines: np.ndarray, name: str, errors: _Errors) -> None:
    if "" in ids:
        for k in np.flatnonzero(inverse == ids.index(""))[:MAX_ERRORS]:
            errors.add(int(lines[k]), f"empty {name} id")


def _ratings_build(
    fmt: str,
    columns: _Columns | None,
    catalogue: list[ItemInfo] | None,
    errors: _Errors,
    progress: Callable[[float], None] | None,
) -> RatingsData:
    """Parses and indexes the columns; every kind of problem is collected before raising."""
    if columns is None:  # the file's shape is unusable; errors says why
        errors.raise_if_any()
    assert columns is not None
    rating = _floats_parse(columns.ratings, columns.lines, "rating", errors)
    timestamp = None
    if columns.timestamps is not None:
        timestamp = _ints_parse(columns.timestamps, columns.lines, "timestamp", errors)
    if progress:
        progress(0.7)
    users, user_index = _ids_index(columns.users)
    raw_items, raw_item_index = _ids_index(columns.items)
    _ids_check(users, user_index, columns.lines, "user", errors)
    _ids_check(raw_items, raw_item_index, columns.lines, "item", errors)
    if catalogue is None:
        items = [ItemInfo(external_id=i, title=i) for i in raw_items]
        item_index = raw_item_index
    else:
        position = {info.external_id: k for k, info in enumerate(catalogue)}
        lookup = np.array([position.get(i, -1) for i in raw_items], dtype=np.int32)
        item_index = lookup[raw_item_index]
        for k in np.flatnonzero(item_index < 0)[:MAX_ERRORS]:
            errors.add(int(columns.lines[k]), f"item {columns.items[k].strip()!r} is not in the items file")
        items = catalogue
    errors.raise_if_any()
    if progress:
        progress(0.9)

    # Keep the last rating of a repeated (user, item) pair: unique over the reversed order.
    key = user_index.astype(np.int64) * max(1, len(items)) + item_index
    _, first_in_reversed = np.unique(key[::-1], return_index=True)
    if len(first_in_reversed) < len(key):
        keep = np.sort(len(key) - 1 - first_in_reversed)
        user_index, item_index, rating = user_index[keep], item_index[keep], rating[keep]
        timestamp = timestamp[keep] if timestamp is not None else None
    return RatingsData(
        format=fmt,
        users=users,
        items=items,
        user_index=np.ascontiguousarray(user_index, dtype=np.int32),
        item_index=np.ascontiguousarray(item_index, dtype=np.int32),
        rating=rating.astype(np.float32),
        timestamp=timestamp,
    )


# ---------------------------------------------------------------------------------------------
# items files


def _year_find(title: str, date: str = "") -> int | None:
    match = _YEAR_IN_TITLE.search(title) or _YEAR_IN_DATE.search(date)
    return int(match.group(1)) if match else None


def _catalogue_check(path: Path, catalogue: list[ItemInfo], lines: Iterable[int], errors: _Errors) -> None:
    seen: set[str] = set()
    for info, line in zip(catalogue, lines, strict=True):
        if not info.external_id:
            errors.add(line, "empty item id")
        elif info.external_id in seen:
            errors.add(line, f"item {info.external_id!r} is listed twice")
        seen.add(info.external_id)
        if errors.full:
            break


def _ml100k_genres_read(folder: Path) -> tuple[str, ...]:
    path = folder / "u.genre"
    if not path.is_file():
        return ML100K_GENRES
    errors = _Errors(path)
    names: dict[int, str] = {}
    lines, numbers = _lines_split(_text_read(path, "latin-1"))
    for line, number in zip(lines, _line_numbers(numbers, len(lines)), strict=True):
        name, sep, index = line.rpartition("|")
        if not sep or not index.strip().isdigit():
            errors.add(int(number), "expected name|index")
            continue
        names[int(index)] = name
    errors.raise_if_any()
    if sorted(names) != list(range(len(names))):
        raise _fail(path, 0, "genre indexes are not 0..n-1")
    return tuple(names[k] for k in range(len(names)))


def _ml100k_items_read(path: Path) -> list[ItemInfo]:
    genres = _ml100k_genres_read(path.parent)
    errors = _Errors(path)
    lines, numbers = _lines_split(_text_read(path, "latin-1"))
    width = 5 + len(genres)
    catalogue: list[ItemInfo] = []
    line_numbers = _line_numbers(numbers, len(lines))
    for line, number in zip(lines, line_numbers, strict=True):
        fields = line.split("|")
        if len(fields) != width:
            errors.add(int(number), f"expected {width} '|'-separated fields, found {len(fields)}")
            continue
        flags = fields[5:]
        if any(f not in ("0", "1") for f in flags):
            errors.add(int(number), "genre flags must be 0 or 1")
            continue
        catalogue.append(
            ItemInfo(
                external_id=fields[0].strip(),
                title=fields[1].strip(),
                year=_year_find(fields[1], fields[2]),
                genres=[g for g, f in zip(genres, flags, strict=True) if f == "1"],
            )
        )
    errors.raise_if_any()
    _catalogue_check(path, catalogue, line_numbers.tolist(), errors)
    errors.raise_if_any()
    return catalogue


def _ml1m_items_read(path: Path) -> list[ItemInfo]:
    errors = _Errors(path)
    lines, numbers = _lines_split(_text_read(path, "latin-1"))
    line_numbers = _line_numbers(numbers, len(lines))
    catalogue: list[ItemInfo] = []
    for line, number in zip(lines, line_numbers, strict=True):
        fields = line.split("::")
        if len(fields) != 3:
            errors.add(int(number), f"expected MovieID::Title::Genres, found {len(fields)} fields")
            continue
        catalogue.append(_item_from_fields(fields[0], fields[1], fields[2]))
    errors.raise_if_any()
    _catalogue_check(path, catalogue, line_numbers.tolist(), errors)
    errors.raise_if_any()
    return catalogue


def _item_from_fields(item_id: str, title: str, genres: str = "") -> ItemInfo:
    title = title.strip()
    names = [g.strip() for g in genres.split("|") if g.strip() and g.strip() != "(no genres listed)"]
    return ItemInfo(external_id=item_id.strip(), title=title or item_id.strip(), year=_year_find(title), genres=names)


def _csv_items_read(path: Path, *, header: bool | None = None) -> list[ItemInfo]:
    """`item,title[,genres]` (genres `|`-joined), quoted fields allowed; header detected when not said."""
    errors = _Errors(path)
    text = _text_read(path, "utf-8")
    lines, numbers = _lines_split(text)
    delimiter = _delimiter_sniff(lines[0])
    rows = list(csv.reader(lines, delimiter=delimiter, skipinitialspace=True))
    line_numbers = _line_numbers(numbers, len(rows))
    if header is None:
        header = bool(rows) and rows[0][0].strip().lower() in _ITEM_HEADER_NAMES
    start = 1 if header else 0
    catalogue: list[ItemInfo] = []
    for row, number in zip(rows[start:], line_numbers[start:].tolist(), strict=True):
        if len(row) not in (2, 3):
            errors.add(number, f"expected item,title[,genres], found {len(row)} fields")
            continue
        catalogue.append(_item_from_fields(row[0], row[1], row[2] if len(row) == 3 else ""))
    if not catalogue and not errors.items:
        errors.add(0, "no items in the file")
    errors.raise_if_any()
    _catalogue_check(path, catalogue, line_numbers[start:].tolist(), errors)
    errors.raise_if_any()
    return catalogue


# ---------------------------------------------------------------------------------------------
# ratings files


def _columns_from_lines(
    path: Path, lines: list[str], numbers: np.ndarray, separator: str, widths: tuple[int, ...], errors: _Errors
) -> _Columns | None:
    """Fields of unquoted lines. The common case (every row the same width) runs in C-level calls:
    one join and one split of the whole text, then strided slices per column."""
    counts = np.fromiter(map(str.count, lines, repeat(separator)), dtype=np.int64, count=len(lines)) + 1
    width = _width_choose(counts, numbers, widths, errors)
    if width is None:
        return None
    if (counts != width).any():
        return _columns_from_rows(path, [line.split(separator) for line in lines], counts, numbers, width, errors)
    flat = separator.join(lines).split(separator)
    return _Columns(
        path=path,
        users=flat[0::width],
        items=flat[1::width],
        ratings=flat[2::width],
        timestamps=flat[3::width] if width >= 4 else None,
        lines=numbers,
    )


def _delimited_columns_read(
    path: Path, separator: str, widths: tuple[int, ...], encoding: str, errors: _Errors
) -> _Columns | None:
    """Fixed-separator files without quoting or header (u.data, ratings.dat)."""
    lines, numbers = _lines_split(_text_read(path, encoding))
    return _columns_from_lines(path, lines, _line_numbers(numbers, len(lines)), separator, widths, errors)


def _delimiter_sniff(line: str) -> str:
    counts = {d: line.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_columns_read(
    path: Path, errors: _Errors, *, header: bool | None = None, delimiter: str | None = None
) -> _Columns | None:
    """`user,item,rating[,timestamp]`: delimiter `,` `\\t` or `;`; a header row when the first rating isn't a number."""
    text = _text_read(path, "utf-8")
    lines, numbers = _lines_split(text)
    delimiter = delimiter or _delimiter_sniff(lines[0])
    line_numbers = _line_numbers(numbers, len(lines))
    first = next(csv.reader(lines[:1], delimiter=delimiter, skipinitialspace=True))
    if header is None:
        header = len(first) >= 3 and not _is_number(first[2])
    if header:
        lines, line_numbers = lines[1:], line_numbers[1:]
    if '"' in text:  # quoted fields: only the csv module splits them right
        rows = list(csv.reader(lines, delimiter=delimiter, skipinitialspace=True))
        counts = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        width = _width_choose(counts, line_numbers, (3, 4), errors)
        return None if width is None else _columns_from_rows(path, rows, counts, line_numbers, width, errors)
    return _columns_from_lines(path, lines, line_numbers, delimiter, (3, 4), errors)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# formats


def _ml100k_read(path: Path, progress: Callable[[float], None] | None) -> RatingsData:
    data_path = path / "u.data" if path.is_dir() else path
    items_path = data_path.parent / "u.item"
    catalogue = _ml100k_items_read(items_path) if items_path.is_file() else None
    if progress:
        progress(0.1)
    errors = _Errors(data_path)
    columns = _delimited_columns_read(data_path, "\t", (4,), "latin-1", errors)
    if progress:
        progress(0.5)
    return _ratings_build("ml-100k", columns, catalogue, errors, progress)


def _ml1m_read(path: Path, progress: Callable[[float], None] | None) -> RatingsData:
    data_path = path / "ratings.dat" if path.is_dir() else path
    if not data_path.is_file():
        hint = " (this folder has ratings_no_timestamp.csv.gz: read it with format 'auto' or 'csv')"
        partial = (path / "ratings_no_timestamp.csv.gz").is_file() if path.is_dir() else False
        raise _fail(path, 0, "no ratings.dat" + (hint if partial else ""))
    items_path = data_path.parent / "movies.dat"
    catalogue = _ml1m_items_read(items_path) if items_path.is_file() else None
    if progress:
        progress(0.1)
    errors = _Errors(data_path)
    columns = _delimited_columns_read(data_path, "::", (4,), "latin-1", errors)
    if progress:
        progress(0.5)
    return _ratings_build("ml-1m", columns, catalogue, errors, progress)


def _movielens_csv_read(path: Path, progress: Callable[[float], None] | None) -> RatingsData:
    data_path = path / "ratings.csv" if path.is_dir() else path
    items_path = data_path.parent / "movies.csv"
    catalogue = _csv_items_read(items_path, header=True) if items_path.is_file() else None
    if progress:
        progress(0.1)
    errors = _Errors(data_path)
    columns = _csv_columns_read(data_path, errors, header=True, delimiter=",")
    if progress:
        progress(0.5)
    return _ratings_build("movielens-csv", columns, catalogue, errors, progress)


def _csv_read(path: Path, items_path: Path | None, progress: Callable[[float], None] | None) -> RatingsData:
    data_path = _csv_in_folder(path) if path.is_dir() else path
    catalogue = _csv_items_read(items_path) if items_path is not None else None
    if progress:
        progress(0.1)
    errors = _Errors(data_path)
    columns = _csv_columns_read(data_path, errors)
    if progress:
        progress(0.5)
    return _ratings_build("csv", columns, catalogue, errors, progress)


def _csv_in_folder(folder: Path) -> Path:
    """The ratings csv of a folder: the only csv there, or the only one named ratings*."""
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith((".csv", ".csv.gz", ".tsv")))
    named = [p for p in found if p.name.lower().startswith("ratings")]
    for candidates in (named, found):
        if len(candidates) == 1:
            return candidates[0]
    names = ", ".join(p.name for p in found) or "none"
    raise _fail(folder, 0, f"cannot tell which file holds the ratings (csv files: {names})")


def format_detect(path: Path) -> str:
    """The format of a folder or file, from the file names and, for csv, the header."""
    path = Path(path)
    if path.is_dir():
        if (path / "u.data").is_file():
            return "ml-100k"
        if (path / "ratings.dat").is_file():
            return "ml-1m"
        if (path / "ratings.csv").is_file() and _movielens_header(path / "ratings.csv"):
            return "movielens-csv"
        _csv_in_folder(path)
        return "csv"
    if not path.is_file():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.name == "u.data":
        return "ml-100k"
    if path.name.endswith(".dat") and "::" in _first_line(path):
        return "ml-1m"
    if _movielens_header(path):
        return "movielens-csv"
    return "csv"


def _first_line(path: Path) -> str:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="latin-1") as fh:
            return fh.readline()
    except (OSError, EOFError, zlib.error):
        return ""


def _movielens_header(path: Path) -> bool:
    return _first_line(path).strip().replace(" ", "").startswith("userId,movieId,rating")


def ratings_read(
    path: Path,
    fmt: str = "auto",
    *,
    items_path: Path | None = None,
    progress: Callable[[float], None] | None = None,
) -> RatingsData:
    """Read a rating data set; `fmt` is one of FORMATS. `progress` gets fractions 0..1 as it goes.

    `items_path` (an `item,title[,genres]` file) applies to the generic `csv` format only; the
    MovieLens formats take their catalogue from the files beside the ratings.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if progress:
        progress(0.0)
    if fmt == "auto":
        fmt = format_detect(path)
    if items_path is not None and fmt != "csv":
        raise ValueError(f"items_path applies to the csv format only, not {fmt}")
    if fmt == "ml-100k":
        data = _ml100k_read(path, progress)
    elif fmt == "ml-1m":
        data = _ml1m_read(path, progress)
    elif fmt == "movielens-csv":
        data = _movielens_csv_read(path, progress)
    else:
        data = _csv_read(path, Path(items_path) if items_path is not None else None, progress)
    if progress:
        progress(1.0)
    return data
