"""Reads for the anomaly app: one run, the one-class image results, the home card. Never loads a model."""

from __future__ import annotations

from typing import Any

from apps.anomaly.ml.config import IMAGE_BASELINES, IMAGE_DATASETS, IMAGE_MODELS
from apps.anomaly.models import AnomalyRun
from apps.anomaly.slots import ANOMALY_KIND, detector_title
from apps.core.errors import NotFound
from apps.core.ml.image_datasets import dataset_class_names
from apps.core.models import ModelVersion
from apps.core.selectors import model_version_active

SCORE_MEDIA = "anomaly-scores"  # MEDIA_ROOT/anomaly-scores/<job id>/: a scored image and its heat map


def anomaly_run_get(*, run_id, kind: str) -> AnomalyRun:
    """A run of `kind` by its uuid; NotFound for anything else (a malformed id too)."""
    import uuid

    try:
        key = uuid.UUID(str(run_id))
    except ValueError:
        key = None
    run = AnomalyRun.objects.select_related("job").filter(id=key, kind=kind).first() if key else None
    if run is None:
        raise NotFound(f"No anomaly {'table' if kind == AnomalyRun.TABLE else 'series'} run {run_id}.")
    return run


def image_version_active(*, dataset: str, model: str = "conv") -> ModelVersion | None:
    if dataset not in IMAGE_DATASETS or model not in IMAGE_MODELS:
        return None
    return model_version_active(kind=ANOMALY_KIND, dataset=dataset, slot=model)


def image_results() -> list[dict[str, Any]]:
    """Per image data set, the active one-class models' ROC-AUC per normal class beside the baselines'."""
    out = []
    for dataset in IMAGE_DATASETS:
        names = dataset_class_names(dataset)
        models = []
        baselines: dict[str, dict[str, Any]] = {}
        for model in IMAGE_MODELS:
            version = image_version_active(dataset=dataset, model=model)
            if version is None:
                continue
            metrics = version.metrics or {}
            models.append(
                {
                    "model": model,
                    "title": detector_title(model),
                    "version": version.id,
                    "version_number": version.version,
                    "auc": metrics.get("auc", {}),
                    "auc_mean": metrics.get("auc_mean"),
                    "seconds_per_class": metrics.get("seconds_per_class"),
                    "created": version.created_at,
                }
            )
            for name, figures in (version.baselines or {}).items():
                baselines.setdefault(name, {"model": name, "title": detector_title(name), **figures})
        order = {name: i for i, name in enumerate(IMAGE_BASELINES)}
        out.append(
            {
                "dataset": dataset,
                "classes": [{"class": i, "name": names[i]} for i in range(10)],
                "models": models,
                "baselines": sorted(baselines.values(), key=lambda b: order.get(b["model"], 99)),
            }
        )
    return out


def home_card() -> dict:
    from django.urls import reverse

    lines = []
    for entry in image_results():
        for model in entry["models"]:
            if model["auc_mean"] is not None:
                lines.append(f"{entry['dataset']}: one-class {model['title']} mean ROC-AUC {model['auc_mean']:.3f}")
    if not lines:
        lines.append("Tables and series: upload a CSV and get scores. Images: `manage.py train anomaly` or seed_demo.")
    return {
        "title": "Anomaly detection",
        "url": reverse("anomaly:index"),
        "description": "Train an autoencoder on what is normal, flag what it reconstructs badly: upload a table or a "
        "time series (the seq2seq autoencoder), or score clothes against one normal class — each beside the "
        "detectors people would otherwise use (Isolation Forest, ECOD, k-NN, matrix profile, PCA).",
        "lines": lines,
    }
