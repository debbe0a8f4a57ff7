"""Uploaded tables: parse and check a CSV, plan what each column becomes, encode rows as numbers.

    table = table_parse(uploaded_bytes)                  # TableError: a clear message naming what to fix
    plan = table_plan(table, label_column="class")       # one ColumnPlan (role + note) per column
    encoder = TableEncoder().fit(table, plan)
    X = encoder.transform(table)                         # float32 N×F for the detectors
    y = labels_read(table, "class")                      # int8, 1 = anomaly

NumPy and the standard library only: the web process imports this module to check an upload before
anything is stored or queued (it must never import torch).

Column roles (`table_plan` with columns=None): a column of numbers is "numeric"; one that is mostly numbers
with a few text values is numeric too, the text counted as missing (and said so in its note); a text column
with at most MAX_CATEGORIES distinct values, each used more than once on average, is "categorical" (one-hot);
other text columns, constant columns, empty columns and row numbers (1, 2, 3, … in order) are "ignored", each
with a note saying why. Missing values (empty, NA, n/a, null, none, ?, …) are filled with the column's median
(numeric) or its most frequent value (categorical), and counted in the note.

Label rule (`labels_read`): the column must hold exactly two distinct values. 1/0, true/false, yes/no,
anomaly/normal, outlier/inlier (and a few synonyms, see ANOMALY_WORDS / NORMAL_WORDS; numbers compare as
numbers, so 1.0 is 1) say which is the anomaly; for any other pair the rarer value is the anomaly (on a tie,
the value that sorts last).
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

MAX_BYTES = 10 * 1024 * 1024  # the issue: 10 MB and more is refused
MIN_ROWS = 10  # fewer rows say nothing about what is normal
MAX_CATEGORIES = 20  # text columns with more distinct values are ignored (names, ids, free text)
NUMERIC_SHARE = 0.9  # a column whose non-missing values are ≥ 90 % numbers is numeric, the rest treated as missing
CLIP = 1e6  # scaled values beyond ±CLIP are clipped: keeps float32 finite for any finite input
DELIMITERS = (",", ";", "\t", "|")
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-", "--", "#n/a", "missing", "nil"})
ANOMALY_WORDS = frozenset({"1", "true", "t", "yes", "y", "anomaly", "anomalous", "outlier", "abnormal", "fraud"})
NORMAL_WORDS = frozenset({"0", "false", "f", "no", "n", "normal", "inlier", "nominal", "ok"})
ROLES = ("numeric", "categorical", "ignored", "label")


class TableError(ValueError):
    """An upload or a choice that cannot be used. `field` names the form field ("file", "columns",
    "label_column", "rows"); `message` is shown to the user as is and says what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[TableError], tuple[str, str]]:
        # The default pickling passes only str(self) back to __init__; Celery pickles exceptions.
        return type(self), (self.field, self.message)


@dataclass
class Table:
    """A parsed CSV: the header and the data rows, every cell a stripped string."""

    header: list[str]
    rows: list[list[str]]
    delimiter: str = ","

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_columns(self) -> int:
        return len(self.header)

    def column(self, name: str) -> list[str]:
        """The cells of one column, in row order (KeyError for an unknown name)."""
        index = self.header.index(name) if name in self.header else None
        if index is None:
            raise KeyError(name)
        return [row[index] for row in self.rows]


@dataclass
class ColumnPlan:
    """What one column becomes. `note` is shown beside the column ("3 missing values filled with the median")."""

    name: str
    role: str  # one of ROLES
    note: str = ""
    missing: int = 0  # cells filled in (missing, plus text in a numeric column)
    categories: list[str] | None = None  # categorical: the one-hot categories, most frequent first
    distinct: int = 0  # distinct non-missing values

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnPlan:
        return cls(**data)


# ----- parsing -----
def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _text_decode(data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise TableError("file", "This is not a CSV file (it holds binary data). Upload a text file of comma-, "
                                 "semicolon- or tab-separated values with a header row.")  # fmt: skip
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError("file", "The file could not be read as text (UTF-8 or Windows-1252). Save it as a UTF-8 "
                                 "CSV and upload it again.")  # fmt: skip
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 0.001 * min(len(text), 65536):
        raise TableError("file", "This is not a CSV file (it holds control characters). Upload a text file of "
                                 "comma-, semicolon- or tab-separated values with a header row.")  # fmt: skip
    return text


def _delimiter_sniff(text: str) -> str:
    """The candidate delimiter that splits the first lines into the same number (> 1) of fields, the most
    fields winning; "," when none does (a one-column file)."""
    sample_lines = text[:65536].splitlines()[:50]
    if len(text) > 65536 and len(sample_lines) > 1:
        sample_lines = sample_lines[:-1]  # the last line may be cut in the middle
    sample = "\n".join(sample_lines)
    best, best_count = ",", 1
    for delimiter in DELIMITERS:
        try:
            counts = {len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row}
        except csv.Error:
            continue
        if len(counts) == 1:
            count = counts.pop()
            if count > best_count:
                best, best_count = delimiter, count
    return best


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def table_parse(data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = 200_000, max_columns: int = 500) -> Table:
    """Parse an uploaded CSV with a header row (delimiter , ; tab or |, sniffed), or raise TableError saying
    what is wrong: too large, empty, binary or not text, fewer than MIN_ROWS data rows, ragged rows, empty or
    duplicate column names, a header of numbers (no header row), too many rows or columns."""
    if len(data) > max_bytes:
        raise TableError("file", f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
                                 f"{max_bytes / 1024 / 1024:g} MB. Upload fewer rows or columns.")  # fmt: skip
    text = _text_decode(data)
    if not text.strip():
        raise TableError("file", "The file is empty. Upload a CSV with a header row and at least "
                                 f"{MIN_ROWS} data rows.")  # fmt: skip
    delimiter = _delimiter_sniff(text)
    header: list[str] | None = None
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                continue  # blank lines (a trailing newline, spacing) carry nothing
            cells = [cell.strip() for cell in record]
            if header is None:
                header = cells
                _header_check(header, max_columns)
                continue
            if len(cells) != len(header):
                raise TableError("file", f"Line {reader.line_num} has {_plural(len(cells), 'value')} but the header "
                                         f"has {_plural(len(header), 'column')}. Every row needs one value per "
                                         "column (quote values that contain the delimiter).")  # fmt: skip
            rows.append(cells)
            if len(rows) > max_rows:
                raise TableError("file", f"The file has more than {max_rows:,} data rows, the limit. Upload a "
                                         "sample of the rows.")  # fmt: skip
    except csv.Error as error:
        raise TableError("file", f"The file is not a readable CSV (line {reader.line_num}: {error}).") from error
    assert header is not None  # text.strip() was not empty, so some line had a cell
    if not rows:
        raise TableError("file", f"The file has a header but no data rows; at least {MIN_ROWS} are needed.")
    if len(rows) < MIN_ROWS:
        raise TableError("file", f"The file has only {_plural(len(rows), 'data row')}; at least {MIN_ROWS} are "
                                 "needed to learn what is normal.")  # fmt: skip
    return Table(header=header, rows=rows, delimiter=delimiter)


def _header_check(header: list[str], max_columns: int) -> None:
    if len(header) > max_columns:
        raise TableError("file", f"The file has {len(header):,} columns; the limit is {max_columns:,}.")
    empty = [i + 1 for i, name in enumerate(header) if not name]
    if empty:
        raise TableError("file", f"Column {', '.join(map(str, empty[:5]))} of the header row has no name. Give "
                                 "every column a name in the first row.")  # fmt: skip
    duplicates = sorted(name for name, count in Counter(header).items() if count > 1)
    if duplicates:
        shown = ", ".join(f"'{name}'" for name in duplicates[:5])
        raise TableError("file", f"The header names {shown} more than once. Column names must be unique.")
    if all(_is_number(name) for name in header):
        raise TableError("file", "The first row holds numbers, not column names. Add a header row with a name "
                                 "for each column.")  # fmt: skip


# ----- the column plan -----
def _is_missing(text: str) -> bool:
    return text.strip().lower() in MISSING


@dataclass
class _Profile:
    missing: int = 0
    numbers: list[float] = field(default_factory=list)
    texts: Counter = field(default_factory=Counter)
    values: Counter = field(default_factory=Counter)


def _profile(cells: list[str]) -> _Profile:
    profile = _Profile()
    for cell in cells:
        if _is_missing(cell):
            profile.missing += 1
            continue
        profile.values[cell] += 1
        try:
            number = float(cell)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            profile.numbers.append(number)
        else:
            profile.texts[cell] += 1
    return profile


def _quoted(values: list[str], limit: int = 3) -> str:
    shown = ", ".join(f"'{value[:20]}'" for value in values[:limit])
    return shown + (", …" if len(values) > limit else "")


def _row_numbers(numbers: list[float], n_rows: int) -> bool:
    if len(numbers) != n_rows or n_rows < MIN_ROWS:
        return False
    array = np.asarray(numbers)
    return bool(np.all(array == np.round(array)) and np.all(np.diff(array) == 1))


def _column_plan(name: str, cells: list[str], *, chosen: bool) -> ColumnPlan:
    """One column's plan; `chosen`: named by the user (row numbers are then kept)."""
    p = _profile(cells)
    distinct = len(p.values)
    known = len(cells) - p.missing
    plan = ColumnPlan(name=name, role="ignored", missing=p.missing, distinct=distinct)
    if known == 0:
        plan.note = "empty: no values, ignored"
        return plan
    if distinct == 1:
        plan.note = f"constant ('{next(iter(p.values))[:20]}' in every row): ignored"
        return plan
    numeric_share = len(p.numbers) / known
    if numeric_share >= NUMERIC_SHARE and len(set(p.numbers)) > 1:
        if not chosen and _row_numbers(p.numbers, len(cells)):
            plan.note = "row numbers (1, 2, 3, … in order): ignored; choose it in the columns to use it"
            return plan
        notes = []
        text_count = sum(p.texts.values())
        if text_count:
            notes.append(
                f"mostly numbers but {_plural(text_count, 'value')} "
                f"{'is' if text_count == 1 else 'are'} text ({_quoted(list(p.texts))}): treated as missing"
            )
        plan.missing = p.missing + text_count
        if plan.missing:
            median = float(np.median(p.numbers))
            notes.append(f"{_plural(plan.missing, 'missing value')} filled with the median ({median:.4g})")
        plan.role = "numeric"
        plan.note = "; ".join(notes) if notes else "numeric"
        return plan
    if numeric_share >= 0.5 and distinct > MAX_CATEGORIES:
        plan.note = (f"mixed: {100 * numeric_share:.0f} % numbers, {100 * (1 - numeric_share):.0f} % text "
                     f"({_quoted(list(p.texts))}): ignored; fix the text values to use it")  # fmt: skip
        return plan
    # Text. Categories must repeat (on average more than twice each) to say anything about what is normal.
    if distinct <= MAX_CATEGORIES and distinct * 2 <= known:
        plan.role = "categorical"
        plan.categories = [value for value, _count in p.values.most_common()]
        notes = [f"categorical: {distinct} values, one-hot"]
        if p.missing:
            notes.append(f"{_plural(p.missing, 'missing value')} filled with the most frequent "
                         f"('{plan.categories[0][:20]}')")  # fmt: skip
        plan.note = "; ".join(notes)
        return plan
    plan.note = f"text column ignored: {distinct:,} distinct values"
    if distinct <= MAX_CATEGORIES:
        plan.note += " (too few repeats to be categories)"
    return plan


def table_plan(table: Table, *, columns: list[str] | None = None, label_column: str | None = None) -> list[ColumnPlan]:
    """One ColumnPlan per column of `table`, in order. columns=None: every numeric column and every
    low-cardinality text column; otherwise only those named (unusable ones still ignored, with a note).
    Raises TableError for an unknown column, a label column that is not two-valued or is also chosen as a
    feature, or when no usable column remains."""
    known = set(table.header)
    if label_column is not None and label_column not in known:
        raise TableError("label_column", f"There is no column '{label_column}'. The columns are "
                                         f"{_names(table.header)}.")  # fmt: skip
    if columns is not None:
        unknown = [name for name in columns if name not in known]
        if unknown:
            raise TableError("columns", f"Unknown column{'s' if len(unknown) > 1 else ''} {_quoted(unknown, 5)}. "
                                        f"The columns are {_names(table.header)}.")  # fmt: skip
        if label_column is not None and label_column in columns:
            raise TableError("columns", f"'{label_column}' is the label column; it cannot also be used to find "
                                        "anomalies. Remove it from the columns.")  # fmt: skip
    plans = []
    for name in table.header:
        cells = table.column(name)
        if name == label_column:
            anomaly, normal, why = label_values(table, name)
            count = sum(1 for cell in cells if _label_key(cell) == _label_key(anomaly))
            plans.append(
                ColumnPlan(
                    name=name,
                    role="label",
                    distinct=2,
                    note=f"label: '{anomaly}' = anomaly ({count:,} rows), '{normal}' = normal; {why}",
                )
            )
            continue
        if columns is not None and name not in columns:
            plans.append(ColumnPlan(name=name, role="ignored", note="not chosen", distinct=len(set(cells))))
            continue
        plans.append(_column_plan(name, cells, chosen=columns is not None))
    usable = [plan for plan in plans if plan.role in ("numeric", "categorical")]
    if not usable:
        reasons = "; ".join(f"{plan.name}: {plan.note}" for plan in plans if plan.role == "ignored")
        raise TableError("columns", f"No numeric column to work with ({reasons}). The table needs at least one "
                                    "column of numbers (or of a few repeated categories).")  # fmt: skip
    return plans


def _names(header: list[str], limit: int = 12) -> str:
    return _quoted(header, limit)


# ----- labels -----
def _label_key(text: str) -> str:
    text = text.strip().lower()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if math.isfinite(number) and number == int(number) else text


def label_values(table: Table, label_column: str) -> tuple[str, str, str]:
    """(anomaly value, normal value, why) of a two-valued label column, by the rule in the module docstring."""
    if label_column not in table.header:
        raise TableError("label_column", f"There is no column '{label_column}'.")
    cells = table.column(label_column)
    missing = sum(1 for cell in cells if _is_missing(cell))
    if missing:
        raise TableError("label_column", f"The label column '{label_column}' has {_plural(missing, 'empty value')}; "
                                         "every row needs a label (or choose no label column).")  # fmt: skip
    counts = Counter(_label_key(cell) for cell in cells)
    if len(counts) != 2:
        raise TableError(
            "label_column",
            f"The label column '{label_column}' must hold exactly two values (anomaly "
            f"or normal); it holds {len(counts):,} ({_quoted(sorted(counts), 5)}).",
        )
    first = {key: cell for cell in reversed(cells) for key in [_label_key(cell)]}  # the first spelling seen
    a, b = sorted(counts)
    if a in ANOMALY_WORDS and b in NORMAL_WORDS:
        return first[a], first[b], "named values"
    if b in ANOMALY_WORDS and a in NORMAL_WORDS:
        return first[b], first[a], "named values"
    anomaly, normal = (a, b) if counts[a] < counts[b] else (b, a)  # a tie: the value that sorts last
    return first[anomaly], first[normal], "the rarer value is taken as the anomaly"


def labels_read(table: Table, label_column: str) -> np.ndarray:
    """int8 per row, 1 = anomaly, by the label rule (module docstring); TableError unless two-valued."""
    anomaly, _normal, _why = label_values(table, label_column)
    key = _label_key(anomaly)
    return np.asarray([_label_key(cell) == key for cell in table.column(label_column)], dtype=np.int8)


# ----- encoding -----
def _number(text: Any) -> float:
    """A cell as a finite float, or NaN for missing or text."""
    if text is None:
        return math.nan
    if isinstance(text, bool):
        return float(text)
    if isinstance(text, (int, float)):
        return float(text) if math.isfinite(float(text)) else math.nan
    text = str(text)
    if _is_missing(text):
        return math.nan
    try:
        number = float(text)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan


class TableEncoder:
    """Columns → float32 features: numeric columns robust-scaled ((x − median) / IQR, falling back to the
    standard deviation, then 1 for a constant), missing → the median (0 after scaling); categorical columns
    one-hot (missing → the most frequent category; a category not seen in fit → all zeros, itself unusual).
    Fitted attributes: columns_ (used source columns), feature_columns_ (source column of each feature),
    feature_names_ ("colour=red" for one-hot features)."""

    def fit(self, table: Table, plan: list[ColumnPlan]) -> TableEncoder:
        self.specs_: list[dict[str, Any]] = []
        for column in plan:
            if column.role == "numeric":
                values = np.asarray([_number(cell) for cell in table.column(column.name)], dtype=np.float64)
                values = values[np.isfinite(values)]
                median = float(np.median(values))
                q25, q75 = np.percentile(values, [25, 75])
                scale = float(q75 - q25)
                if not scale > 1e-12 * max(1.0, abs(median)):
                    scale = float(values.std())  # mostly one value (e.g. 0/1 flags): the IQR is 0
                if not scale > 1e-12 * max(1.0, abs(median)):
                    scale = 1.0
                self.specs_.append({"name": column.name, "role": "numeric", "median": median, "scale": scale})
            elif column.role == "categorical":
                categories = list(column.categories or [])
                self.specs_.append({"name": column.name, "role": "categorical", "categories": categories,
                                    "fill": categories[0] if categories else ""})  # fmt: skip
        if not self.specs_:
            raise TableError("columns", "No numeric column to work with.")
        self._fitted()
        return self

    def _fitted(self) -> None:
        self.columns_ = [spec["name"] for spec in self.specs_]
        self.feature_columns_: list[str] = []
        self.feature_names_: list[str] = []
        for spec in self.specs_:
            if spec["role"] == "numeric":
                self.feature_columns_.append(spec["name"])
                self.feature_names_.append(spec["name"])
            else:
                for category in spec["categories"]:
                    self.feature_columns_.append(spec["name"])
                    self.feature_names_.append(f"{spec['name']}={category}")

    @property
    def n_features(self) -> int:
        return len(self.feature_columns_)

    def _encode(self, columns: list[list[Any]]) -> np.ndarray:
        """One list of raw cells per used column (same order as specs_) → N×F float32."""
        n = len(columns[0]) if columns else 0
        parts = []
        for spec, cells in zip(self.specs_, columns, strict=True):
            if spec["role"] == "numeric":
                values = np.asarray([_number(cell) for cell in cells], dtype=np.float64)
                values = np.where(np.isfinite(values), values, spec["median"])
                parts.append(np.clip((values - spec["median"]) / spec["scale"], -CLIP, CLIP)[:, None])
            else:
                index = {category: i for i, category in enumerate(spec["categories"])}
                onehot = np.zeros((n, len(spec["categories"])), dtype=np.float64)
                for row, cell in enumerate(cells):
                    text = spec["fill"] if cell is None or _is_missing(str(cell)) else str(cell).strip()
                    position = index.get(text)
                    if position is not None:
                        onehot[row, position] = 1.0
                parts.append(onehot)
        return np.concatenate(parts, axis=1).astype(np.float32) if parts else np.zeros((n, 0), np.float32)

    def transform(self, table: Table) -> np.ndarray:
        """float32 N×F of a table that has (at least) the fitted columns; TableError for a missing one."""
        absent = [name for name in self.columns_ if name not in table.header]
        if absent:
            raise TableError("columns", f"The table lacks the column{'s' if len(absent) > 1 else ''} "
                                        f"{_quoted(absent, 5)} the model was trained on.")  # fmt: skip
        return self._encode([table.column(name) for name in self.columns_])

    def transform_rows(self, rows: list[dict[str, Any]]) -> np.ndarray:
        """New rows as JSON objects {column: value} → float32 N×F. Every trained column must be present
        (null or "" counts as missing and is filled as in training); numeric columns need a number (or a
        numeric string); extra keys are ignored. TableError("rows", …) names the row and column at fault."""
        if not isinstance(rows, list) or not rows:
            raise TableError("rows", "Send a non-empty list of rows, each an object {column: value}.")
        columns: list[list[Any]] = [[] for _ in self.specs_]
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise TableError("rows", f"Row {number} is not an object {{column: value}}.")
            absent = [name for name in self.columns_ if name not in row]
            if absent:
                raise TableError(
                    "rows",
                    f"Row {number} lacks the column{'s' if len(absent) > 1 else ''} "
                    f"{_quoted(absent, 5)}; the model uses {_names(self.columns_)}.",
                )
            for i, spec in enumerate(self.specs_):
                value = row[spec["name"]]
                if isinstance(value, (dict, list)):
                    raise TableError("rows", f"Row {number}, column '{spec['name']}': a single value is needed.")
                if spec["role"] == "numeric" and value is not None and not isinstance(value, bool):
                    text = str(value).strip()
                    if not _is_missing(text) and not math.isfinite(_number(value)):
                        raise TableError("rows", f"Row {number}, column '{spec['name']}': '{text[:30]}' is not a "
                                                 "number.")  # fmt: skip
                columns[i].append(value)
        return self._encode(columns)

    def to_dict(self) -> dict[str, Any]:
        return {"format": "aeweb-table-encoder", "version": 1, "columns": [dict(spec) for spec in self.specs_]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableEncoder:
        if data.get("format") != "aeweb-table-encoder":
            raise ValueError("not a table encoder")
        encoder = cls()
        encoder.specs_ = [dict(spec) for spec in data["columns"]]
        encoder._fitted()
        return encoder
