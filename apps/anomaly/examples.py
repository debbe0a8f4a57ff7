"""The shipped example table, made from the installed scikit-learn (its bundled breast-cancer data): a CSV
with a header row, as a visitor would upload it."""

from __future__ import annotations

import csv
import io


def example_csv(name: str) -> bytes:
    if name != "breast-cancer":
        raise KeyError(name)
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*data.feature_names, "malignant"])
    # scikit-learn codes malignant as 0, benign as 1: the label column says 1 for the anomaly (malignant).
    for row, target in zip(data.data, data.target, strict=True):
        writer.writerow([*(f"{x:.6g}" for x in row), int(target == 0)])
    return out.getvalue().encode()
