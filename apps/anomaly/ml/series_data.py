"""Time series for anomaly detection: the series shipped inside installed packages, and uploaded CSV columns.

NumPy and the standard library only: the web process imports this module to check an upload before it
queues a job, and the web process never imports torch (nor pandas, aeon or sktime: the shipped series
are plain CSV files inside those packages' wheels, found with `importlib.util.find_spec` without
importing the package).

Labels are int8 with 1 = anomalous. `train_end` marks a known-normal prefix: UCR anomaly archive series
come with one (the first 1,200 points of series 135 are its training part); the others are unsupervised.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MIN_POINTS = 50


class SeriesError(ValueError):
    """An upload or a series that cannot be used; `field` names the form field the message is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[SeriesError], tuple[str, str]]:
        # Celery pickles exceptions; the default would pass only str(self) back to __init__.
        return type(self), (self.field, self.message)


@dataclass
class Series:
    name: str
    title: str
    values: np.ndarray  # float64, N
    labels: np.ndarray | None  # int8, N, 1 = anomalous; None when the series has no labels
    train_end: int | None = None  # points [0, train_end) are known normal; None when there is no such part

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def anomaly_ranges(self) -> list[tuple[int, int]]:
        """The labelled anomalies as inclusive (start, end) point ranges."""
        return [] if self.labels is None else label_ranges(self.labels)


# Each shipped series: the package that ships it, its file inside the package, the value and label
# columns, and (UCR only) how many leading points are the known-normal training part.
SHIPPED: dict[str, dict[str, Any]] = {
    "ucr-135": {
        "title": "UCR anomaly archive 135: InternalBleeding16",
        "package": "aeon",
        "path": "datasets/data/KDD-TSAD_135/135_UCR_Anomaly_InternalBleeding16_TEST.csv",
        "value_column": "value",
        "label_column": "is_anomaly",
        "train_end": 1200,
        "length": 7501,
        "anomalies": 12,
        "description": (
            "Heart rate of a patient with internal bleeding (UCR/KDD-21 anomaly archive, series 135). The first "
            "1,200 points are the normal training part; one labelled anomaly at points 4187-4198."
        ),
        "source": "Keogh et al., Multi-dataset Time-Series Anomaly Detection Competition, SIGKDD 2021",
    },
    "ecg-diff-count-3": {
        "title": "Synthetic ECG with three kinds of anomaly (ecg-diff-count-3)",
        "package": "aeon",
        "path": "datasets/data/UnitTest/ecg-diff-count-3_TEST.csv",
        "value_column": "value-0",
        "label_column": "is_anomaly",
        "train_end": None,
        "length": 10000,
        "anomalies": 300,
        "description": (
            "A synthetic ECG-like signal generated with GutenTAG, with three anomalies of 100 points each "
            "(the test part; aeon ships separate training series too)."
        ),
        "source": "Wenig et al., TimeEval / GutenTAG, VLDB 2022",
    },
    "yahoo": {
        "title": "Yahoo Webscope S5 (sktime's excerpt)",
        "package": "sktime",
        "path": "datasets/data/yahoo/yahoo.csv",
        "value_column": "data",
        "label_column": "label",
        "train_end": None,
        "length": 1000,
        "anomalies": 7,
        "description": (
            "A trending, seasonal web-traffic series from Yahoo's S5 benchmark with 7 single-point anomalies."
        ),
        "source": "Yahoo Webscope S5, A1-A4 benchmark",
    },
    "mitdb": {
        "title": "MIT-BIH arrhythmia ECG (sktime's excerpt)",
        "package": "sktime",
        "path": "datasets/data/mitdb/mitdb.csv",
        "value_column": "data",
        "label_column": "label",
        "train_end": None,
        "length": 7500,
        "anomalies": 352,
        "description": (
            "An ECG excerpt from the MIT-BIH arrhythmia database with one labelled abnormal stretch (352 points)."
        ),
        "source": "Moody & Mark, The impact of the MIT-BIH Arrhythmia Database, 2001",
    },
}


def label_ranges(labels: np.ndarray) -> list[tuple[int, int]]:
    """Runs of non-zero labels as inclusive (start, end) index pairs."""
    flags = np.concatenate([[0], (np.asarray(labels) > 0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(flags))
    return [(int(start), int(end) - 1) for start, end in zip(edges[::2], edges[1::2], strict=True)]


def _package_file(package: str, relative: str) -> Path | None:
    """The file inside an installed package, found without importing the package (aeon and sktime are slow
    to import and the web process must stay light)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / relative
        if path.is_file():
            return path
    return None


def series_available() -> list[str]:
    """The shipped series whose package (and file: aeon announced it will drop ecg-diff-count-3) is installed."""
    return [name for name, spec in SHIPPED.items() if _package_file(spec["package"], spec["path"]) is not None]


def series_load(name: str) -> Series:
    """A shipped series by name; KeyError for an unknown name, SeriesError when its package is not installed."""
    spec = SHIPPED[name]
    path = _package_file(spec["package"], spec["path"])
    if path is None:
        raise SeriesError("series", f"{name} needs the {spec['package']} package, which is not installed here")
    parsed = series_parse(
        path.read_bytes(),
        column=spec["value_column"],
        label_column=spec["label_column"],
        max_bytes=64 * 1024 * 1024,
        max_points=10_000_000,
    )
    return Series(
        name=name, title=spec["title"], values=parsed.values, labels=parsed.labels, train_end=spec["train_end"]
    )


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _rows_describe(rows: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(row) for row in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def _text_decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise SeriesError("file", "this is a binary file, not a CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SeriesError("file", "not a text CSV file (it is not UTF-8 text)") from None


def _rows_read(text: str) -> list[list[str]]:
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise SeriesError("file", f"not a readable CSV file ({error})") from None
    if not rows:
        raise SeriesError("file", "the file is empty")
    return rows


def _column_values(rows: list[list[str]], index: int, name: str, first_line: int) -> tuple[np.ndarray, list[int]]:
    """The column as floats, and the (1-based file) line numbers whose cell is not a number."""
    values = np.empty(len(rows), dtype=np.float64)
    bad: list[int] = []
    for i, row in enumerate(rows):
        cell = row[index].strip() if index < len(row) else ""
        number = _number(cell)
        if number is None:
            bad.append(first_line + i)
            values[i] = math.nan
        else:
            values[i] = number
    return values, bad


def series_parse(
    data: bytes,
    *,
    column: str | None = None,
    label_column: str | None = None,
    max_bytes: int = 10 * 1024 * 1024,
    max_points: int = 200_000,
) -> Series:
    """One numeric column of a CSV (with a header row, or a single unnamed column of numbers) as a Series.

    `column` None picks the first column whose values are all numbers (skipping the label column and an
    index-like first column named time/timestamp/date/index). `label_column` (optional) holds 0/1 labels.
    Every refusal is a SeriesError naming the field ("file", "column" or "label_column") in words a user
    can act on; row numbers in messages are the file's line numbers (the header is line 1).
    """
    if len(data) > max_bytes:
        raise SeriesError("file", f"the file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB")
    rows = _rows_read(_text_decode(data))
    first = [cell.strip() for cell in rows[0]]
    headerless = all(_number(cell) is not None for cell in first if cell)
    if headerless:
        header = [f"column {i + 1}" for i in range(len(first))]
        body, first_line = rows, 1
    else:
        header, body, first_line = first, rows[1:], 2
    if len(body) > max_points:
        raise SeriesError("file", f"the series has {len(body):,} points; the limit is {max_points:,}")
    if len(body) < MIN_POINTS:
        raise SeriesError("file", f"the series has {len(body)} points; at least {MIN_POINTS} are needed")

    label_index = None
    if label_column is not None:
        if label_column not in header:
            raise SeriesError("label_column", f"no column named {label_column!r} (columns: {', '.join(header)})")
        label_index = header.index(label_column)
    if column is not None:
        if column not in header:
            raise SeriesError("column", f"no column named {column!r} (columns: {', '.join(header)})")
        index = header.index(column)
        values, bad = _column_values(body, index, column, first_line)
        if bad:
            raise SeriesError(
                "column", f"column {column!r} has values that are not numbers at rows {_rows_describe(bad)}"
            )
    else:
        index, values = _column_pick(header, body, first_line, skip=label_index)
    if not np.all(np.isfinite(values)):
        bad_rows = (np.flatnonzero(~np.isfinite(values)) + first_line).tolist()
        raise SeriesError(
            "column", f"column {header[index]!r} has NaN or infinite values at rows {_rows_describe(bad_rows)}"
        )

    labels = None
    if label_index is not None:
        raw, bad = _column_values(body, label_index, header[label_index], first_line)
        if bad or not np.all(np.isin(raw, (0.0, 1.0))):
            wrong = bad or (np.flatnonzero(~np.isin(raw, (0.0, 1.0))) + first_line).tolist()
            raise SeriesError("label_column", f"labels must be 0 or 1; rows {_rows_describe(wrong)} are not")
        labels = raw.astype(np.int8)
    name = header[index]
    return Series(name=name, title=name, values=values, labels=labels, train_end=None)


_INDEX_NAMES = frozenset({"time", "timestamp", "date", "datetime", "index", "t", ""})


def _column_pick(
    header: list[str], body: list[list[str]], first_line: int, *, skip: int | None
) -> tuple[int, np.ndarray]:
    """The first all-numeric column that is not the label column nor a leading time/index column."""
    candidates = [i for i in range(len(header)) if i != skip]
    if len(candidates) > 1 and header[candidates[0]].lower() in _INDEX_NAMES:
        candidates = candidates[1:]  # a leading timestamp/index column is the x axis, not the series
    partly: list[tuple[str, list[int]]] = []
    for index in candidates:
        values, bad = _column_values(body, index, header[index], first_line)
        if not bad:
            return index, values
        if len(bad) < len(body):
            partly.append((header[index], bad))
    if partly:
        name, bad = partly[0]
        raise SeriesError("column", f"column {name!r} has values that are not numbers at rows {_rows_describe(bad)}")
    raise SeriesError("file", "no column of numbers found")
