"""CSV checks, the column plan, labels and the encoder of apps.anomaly.ml.table_data (NumPy only)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from apps.anomaly.ml.table_data import (
    MAX_BYTES,
    ColumnPlan,
    TableEncoder,
    TableError,
    labels_read,
    table_parse,
    table_plan,
)


def csv_bytes(header: list[str], rows: list[list[object]], delimiter: str = ",") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def numeric_rows(n: int = 20, seed: int = 0) -> list[list[object]]:
    rng = np.random.default_rng(seed)
    return [[round(float(a), 3), round(float(b), 3)] for a, b in rng.normal(size=(n, 2))]


def refused(data: bytes, **kwargs) -> TableError:
    with pytest.raises(TableError) as caught:
        table_parse(data, **kwargs)
    assert caught.value.field == "file" and caught.value.message
    return caught.value


# ----- parsing -----
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_parse_sniffs_the_delimiter(delimiter):
    table = table_parse(csv_bytes(["a", "b"], numeric_rows(), delimiter))
    assert table.header == ["a", "b"] and table.n_rows == 20 and table.n_columns == 2
    assert table.delimiter == delimiter


def test_parse_keeps_quoted_delimiters_and_skips_blank_lines():
    rows = "".join(f'{i},"x, {i % 2}"\n\n' for i in range(12))
    table = table_parse(("a,b\n" + rows).encode("utf-8-sig"))
    assert table.n_rows == 12 and table.rows[1] == ["1", "x, 1"]


def test_refuses_binary_and_undecodable():
    assert "binary" in refused(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4).message
    assert "not a CSV" in refused(bytes([1, 2, 3, 4, 5, 6]) * 200).message


def test_refuses_empty_header_only_and_one_row():
    assert "empty" in refused(b"  \n\n").message
    assert "no data rows" in refused(b"a,b\n").message
    message = refused(csv_bytes(["a", "b"], [[1, 2]])).message
    assert "only 1 data row" in message and "at least 10" in message


def test_refuses_more_than_max_bytes():
    data = csv_bytes(["a", "b"], numeric_rows(50))
    assert "limit" in refused(data, max_bytes=len(data) - 1).message
    table_parse(data, max_bytes=len(data))
    assert MAX_BYTES == 10 * 1024 * 1024


def test_refuses_ragged_rows_naming_the_line():
    rows = numeric_rows(12)
    rows[4] = rows[4] + [7]
    message = refused(csv_bytes(["a", "b"], rows)).message
    assert "Line 6" in message and "3 values" in message and "2 columns" in message


def test_refuses_duplicate_and_empty_header_names():
    assert "'a'" in refused(csv_bytes(["a", "b", "a"], [[1, 2, 3]] * 12)).message
    assert "no name" in refused(csv_bytes(["a", "", "c"], [[1, 2, 3]] * 12)).message


def test_refuses_a_header_of_numbers_and_too_many_rows_or_columns():
    assert "header row" in refused(csv_bytes(["1.5", "2"], numeric_rows())).message
    assert "more than 15" in refused(csv_bytes(["a", "b"], numeric_rows()), max_rows=15).message
    assert "3 columns" in refused(csv_bytes(["a", "b", "c"], [[1, 2, 3]] * 12), max_columns=2).message


def test_table_error_survives_pickling():
    error = pickle.loads(pickle.dumps(TableError("columns", "pick one")))
    assert (error.field, error.message) == ("columns", "pick one")


# ----- the plan -----
def mixed_table():
    rng = np.random.default_rng(1)
    rows = []
    for i in range(40):
        rows.append([
            i + 1,                                     # row numbers
            f"{rng.normal():.3f}" if i % 10 else "",   # 4 missing
            "n/a" if i == 3 else ("x" if i == 7 else f"{rng.normal(5):.3f}"),  # text in numbers
            "7",                                       # constant
            ["red", "green", "blue"][i % 3],           # categorical
            f"name-{i}",                               # free text
            "yes" if i in (5, 9) else "no",            # label
        ])  # fmt: skip
    header = ["id", "a", "b", "const", "colour", "name", "label"]
    return table_parse(csv_bytes(header, rows))


def plans_by_name(plans: list[ColumnPlan]) -> dict[str, ColumnPlan]:
    return {plan.name: plan for plan in plans}


def test_plan_roles_and_notes():
    plans = plans_by_name(table_plan(mixed_table(), label_column="label"))
    assert plans["id"].role == "ignored" and "row numbers" in plans["id"].note
    assert plans["a"].role == "numeric" and plans["a"].missing == 4
    assert "4 missing values filled with the median" in plans["a"].note
    # "n/a" is a missing token; "x" is text in a numeric column: noted and counted as missing
    assert plans["b"].role == "numeric" and plans["b"].missing == 2
    assert "1 value is text ('x'): treated as missing" in plans["b"].note
    assert plans["const"].role == "ignored" and "constant" in plans["const"].note
    assert plans["colour"].role == "categorical" and sorted(plans["colour"].categories) == ["blue", "green", "red"]
    assert plans["name"].role == "ignored" and "text column ignored: 40 distinct values" in plans["name"].note
    assert plans["label"].role == "label" and "'yes' = anomaly" in plans["label"].note


def test_plan_ignores_a_column_of_numbers_and_much_text_with_a_note():
    rows = [[i % 7, f"{i}.5" if i % 3 else f"t{i}"] for i in range(60)]
    plans = plans_by_name(table_plan(table_parse(csv_bytes(["a", "mixed"], rows))))
    assert plans["mixed"].role == "ignored" and plans["mixed"].note.startswith("mixed: 67 % numbers, 33 % text")


def test_plan_with_chosen_columns_and_errors():
    table = mixed_table()
    plans = plans_by_name(table_plan(table, columns=["a", "id"]))
    assert plans["id"].role == "numeric"  # chosen: row numbers are kept
    assert plans["b"].role == "ignored" and plans["b"].note == "not chosen"
    with pytest.raises(TableError) as caught:
        table_plan(table, columns=["a", "nope"])
    assert caught.value.field == "columns" and "'nope'" in caught.value.message
    with pytest.raises(TableError) as caught:
        table_plan(table, columns=["a", "label"], label_column="label")
    assert caught.value.field == "columns"
    with pytest.raises(TableError) as caught:
        table_plan(table, label_column="missing")
    assert caught.value.field == "label_column"
    with pytest.raises(TableError) as caught:
        table_plan(table, label_column="colour")  # three values
    assert caught.value.field == "label_column" and "exactly two" in caught.value.message


def test_plan_refuses_a_table_without_a_usable_column():
    table = table_parse(csv_bytes(["const", "name"], [[1, f"n{i}"] for i in range(12)]))
    with pytest.raises(TableError) as caught:
        table_plan(table)
    assert caught.value.field == "columns" and "No numeric column" in caught.value.message
    assert "constant" in caught.value.message


# ----- labels -----
@pytest.mark.parametrize(
    ("values", "expected_anomaly"),
    [
        (["1", "0"], "1"),
        (["1.0", "0.0"], "1.0"),
        (["TRUE", "false"], "TRUE"),
        (["Yes", "no"], "Yes"),
        (["normal", "anomaly"], "anomaly"),
        (["inlier", "outlier"], "outlier"),
    ],
)
def test_labels_named_values(values, expected_anomaly):
    # The anomaly value is the MORE frequent one here, so only the naming rule can pick it.
    cells = [expected_anomaly] * 8 + [v for v in values if v != expected_anomaly] * 4
    table = table_parse(csv_bytes(["x", "y"], [[i, c] for i, c in enumerate(cells)]))
    labels = labels_read(table, "y")
    assert labels.dtype == np.int8
    np.testing.assert_array_equal(labels, [1] * 8 + [0] * 4)


def test_labels_minority_rule_and_refusals():
    cells = ["B"] * 9 + ["M"] * 3
    table = table_parse(csv_bytes(["x", "y", "z"], [[i, c, i % 3] for i, c in enumerate(cells)]))
    np.testing.assert_array_equal(labels_read(table, "y"), [0] * 9 + [1] * 3)
    with pytest.raises(TableError):
        labels_read(table, "z")  # three values


# ----- the encoder -----
def test_encoder_scales_fills_and_one_hot():
    table = mixed_table()
    plan = table_plan(table, label_column="label")
    encoder = TableEncoder().fit(table, plan)
    X = encoder.transform(table)
    assert X.dtype == np.float32 and X.shape == (40, 2 + 3) and np.isfinite(X).all()
    assert encoder.columns_ == ["a", "b", "colour"]
    assert encoder.feature_columns_ == ["a", "b", "colour", "colour", "colour"]
    a = np.asarray([float(v) if v else np.nan for v in table.column("a")])
    median = np.nanmedian(a)
    iqr = np.subtract(*np.nanpercentile(a, [75, 25]))
    np.testing.assert_allclose(X[:, 0], np.where(np.isnan(a), 0.0, (a - median) / iqr), rtol=1e-5, atol=1e-6)
    assert (X[[3, 7], 1] == 0).all()  # text and missing → the median → 0
    np.testing.assert_array_equal(X[:, 2:].sum(1), np.ones(40))
    colour = np.asarray(table.column("colour"))
    for j, name in enumerate(encoder.feature_names_[2:]):
        np.testing.assert_array_equal(X[:, 2 + j], colour == name.split("=", 1)[1])


def test_encoder_iqr_zero_falls_back_to_std_then_one():
    rows = [[1 if i < 2 else 0, 5 if i else 5.0] for i in range(20)]
    rows[0][1] = 6  # otherwise constant: std-scaled
    table = table_parse(csv_bytes(["flag", "almost"], rows))
    encoder = TableEncoder().fit(table, table_plan(table))
    spec = {s["name"]: s for s in encoder.to_dict()["columns"]}
    assert spec["flag"]["scale"] == pytest.approx(np.std([1, 1] + [0] * 18))
    assert spec["almost"]["scale"] == pytest.approx(np.std([6] + [5] * 19))
    constant = ColumnPlan(name="flag", role="numeric")
    one = TableEncoder().fit(table_parse(csv_bytes(["flag"], [[3]] * 12)), [constant])
    assert one.to_dict()["columns"][0]["scale"] == 1.0


def test_transform_rows_matches_transform_and_round_trips():
    table = mixed_table()
    encoder = TableEncoder().fit(table, table_plan(table, label_column="label"))
    rows = [dict(zip(table.header, row, strict=True)) for row in table.rows[:6]]
    rows[0]["a"] = 1.25  # a JSON number
    expected = encoder.transform(table)[:6]
    got = TableEncoder.from_dict(encoder.to_dict()).transform_rows(rows)
    assert got[0, 0] != expected[0, 0]
    np.testing.assert_array_equal(got[1:], expected[1:])
    unseen = encoder.transform_rows([{"a": None, "b": "", "colour": "purple"}])
    np.testing.assert_array_equal(unseen, [[0, 0, 0, 0, 0]])  # median fills, unseen category → all zeros


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([{"a": 1, "b": 2}], "lacks the column 'colour'"),
        ([{"a": "abc", "b": 2, "colour": "red"}], "'abc' is not a number"),
        ([{"a": [1], "b": 2, "colour": "red"}], "single value"),
        (["not an object"], "not an object"),
        ([], "non-empty list"),
    ],
)
def test_transform_rows_errors(rows, fragment):
    table = mixed_table()
    encoder = TableEncoder().fit(table, table_plan(table, label_column="label"))
    with pytest.raises(TableError) as caught:
        encoder.transform_rows(rows)
    assert caught.value.field == "rows" and fragment in caught.value.message


def test_huge_values_stay_finite():
    rows = [[1e300 if i == 0 else i % 7, i % 5] for i in range(20)]
    table = table_parse(csv_bytes(["big", "b"], rows))
    encoder = TableEncoder().fit(table, table_plan(table))
    assert np.isfinite(encoder.transform(table)).all()
    assert np.isfinite(encoder.transform_rows([{"big": -1e308, "b": 1e308}])).all()


def test_web_modules_import_no_torch():
    code = ("import sys, apps.anomaly.ml.table_data, apps.anomaly.ml.scores; "
            "assert 'torch' not in sys.modules and 'django' not in sys.modules")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True)
