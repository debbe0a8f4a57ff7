"""The anomaly page: three tabs (tables, time series, images) over the REST API."""

from __future__ import annotations

import base64
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from apps.anomaly import selectors
from apps.anomaly.ml.config import IMAGE_DATASETS, SERIES_DEFAULT, SERIES_MODELS
from apps.anomaly.ml.series_data import SHIPPED, series_available
from apps.anomaly.slots import TABLE_EXAMPLES, detector_title


def _png_uri(array: np.ndarray) -> str:
    from apps.anomaly.ml.heatmap import png_bytes

    return "data:image/png;base64," + base64.b64encode(png_bytes(array)).decode()


def _examples(dataset: str) -> dict:
    """The active one-class model's most normal and most anomalous test images per class, with heat maps."""
    for model in ("conv", "vae", "dae"):
        version = selectors.image_version_active(dataset=dataset, model=model)
        if version is not None and "examples" in (version.artifacts or {}):
            return _examples_of(version.id, version.artifacts["examples"]["sha256"], version)
    return {}


@lru_cache(maxsize=8)
def _examples_of(version_id: int, sha256: str, version) -> dict:
    """Read and encoded once per process and version (320 small PNGs), not on every page view."""
    from apps.core.artifacts import artifact_verify

    try:
        arrays = np.load(artifact_verify(version.artifacts["examples"]))
    except (OSError, ValueError):
        return {}
    out = {"model": detector_title(version.slot), "version": version_id, "classes": {}}
    for c in version.config.get("classes") or range(10):
        if f"index_{c}" not in arrays:
            continue
        n = len(arrays[f"index_{c}"]) // 2
        items = [
            {
                "index": int(arrays[f"index_{c}"][k]),
                "score": float(arrays[f"score_{c}"][k]),
                "image": _png_uri(arrays[f"image_{c}"][k]),
                "heat": _png_uri(arrays[f"heat_{c}"][k]),
            }
            for k in range(2 * n)
        ]
        out["classes"][str(c)] = {"normal": items[:n], "anomalous": items[n:]}
    return out


@ensure_csrf_cookie  # the forms post to the API with the session's CSRF token
def index_page(request):
    results = selectors.image_results()
    dataset = request.GET.get("dataset") if request.GET.get("dataset") in IMAGE_DATASETS else IMAGE_DATASETS[0]
    shipped = [{"name": name, **SHIPPED[name]} for name in series_available()]
    hours = settings.AEWEB_ANOMALY_RETENTION_HOURS
    return render(
        request,
        "anomaly/index.html",
        {
            "example_title": TABLE_EXAMPLES["breast-cancer"],
            "shipped": shipped,
            "series_models": [
                (m, detector_title(m, series=True)) for m in sorted(SERIES_MODELS, key=lambda m: m != SERIES_DEFAULT)
            ],
            "results": results,
            "dataset": dataset,
            "image_examples": _examples(dataset),
            "max_mb": settings.AEWEB_ANOMALY_MAX_BYTES / 2**20,
            "retention_hours": int(hours) if float(hours).is_integer() else hours,
        },
    )
