"""Anomaly fixtures: fresh media folders, caches and throttles per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def anomaly_fresh(settings):
    from django.core.cache import cache

    from apps.core.loading import loaded_clear

    for folder in ("anomaly", "anomaly-scores"):
        shutil.rmtree(Path(settings.MEDIA_ROOT) / folder, ignore_errors=True)
    cache.clear()  # the upload throttle counts per client
    loaded_clear()  # versions are numbered afresh in each test database: ids repeat
    yield
    cache.clear()
    loaded_clear()


def media_files() -> list[Path]:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT) / "anomaly"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def csv_upload(text: str | bytes, name: str = "table.csv"):
    import io

    buffer = io.BytesIO(text.encode() if isinstance(text, str) else text)
    buffer.name = name
    return buffer


def table_csv(rows: int = 60, *, outlier: bool = True) -> str:
    """A small numeric table with a category and a label column; the last row is far out when `outlier`."""
    import numpy as np

    rng = np.random.default_rng(0)
    lines = ["a,b,colour,is_odd"]
    for k in range(rows):
        a, b = rng.normal(0, 1), rng.normal(5, 2)
        colour = ("red", "blue")[k % 2]
        odd = int(outlier and k == rows - 1)
        if odd:
            a, b = 40.0, -30.0
        lines.append(f"{a:.4f},{b:.4f},{colour},{odd}")
    return "\n".join(lines) + "\n"
