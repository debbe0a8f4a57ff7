"""The worker side of a table or series run and of the scoring jobs (torch through the ml package).

Idempotent in the Zulip-thumbnailer way: the run row is re-read, a run whose summary is complete is
answered from the row, and files are written under a temporary name and renamed, so a redelivered or
retried job never leaves half a file behind.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from apps.anomaly.models import AnomalyRun
from apps.anomaly.selectors import SCORE_MEDIA
from apps.core.device import device_resolve
from apps.core.loading import model_loaded
from apps.core.ml.files import atomic_write
from apps.core.models import ModelVersion


def _media(relpath: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relpath


def torch_bytes(state: dict) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def _torch_read(path: Path) -> dict:
    import torch

    return torch.load(path, map_location="cpu", weights_only=False)


def _run_for(job) -> AnomalyRun:
    # Found through the job, not its params: the job API is public, and the run's id is its only key.
    return AnomalyRun.objects.get(job=job)


def _brief(run: AnomalyRun) -> dict:
    # No run id or file URLs here: job results are readable by anyone who has the job's id.
    summary = run.summary or {}
    return {"rows": run.rows, "flagged": summary.get("flagged"), "metrics": summary.get("metrics", {})}


# --- tables ------------------------------------------------------------------------------------


def table_fit_job(job, reporter) -> dict:
    from apps.anomaly.ml.config import TableFitConfig
    from apps.anomaly.ml.table_data import labels_read, table_parse, table_plan
    from apps.anomaly.ml.table_run import table_detect, table_summary_figures

    run = _run_for(job)
    if run.summary.get("done"):
        return _brief(run)
    reporter.update(progress=0.01, message="Reading the table")
    table = table_parse(_media(run.input).read_bytes(), max_bytes=settings.AEWEB_ANOMALY_MAX_BYTES)
    label_column = run.params.get("label_column")
    plan = table_plan(table, columns=run.params.get("columns") or None, label_column=label_column)
    labels = labels_read(table, label_column) if label_column else None
    config = TableFitConfig.from_dict(run.params.get("config") or {})
    result = table_detect(
        table, plan, config, labels=labels, device=device_resolve(),
        progress=lambda fraction, message: reporter.update(progress=fraction, message=message),
    )  # fmt: skip
    reporter.update(progress=0.95, message="Writing the scored table")
    atomic_write(_media(f"{run.folder}/scores.csv"), _scored_csv(table, result.calibrated, result.raw, result.flags))
    atomic_write(_media(f"{run.folder}/encoder.json"), json.dumps(result.encoder.to_dict()).encode())
    model = {
        "detector": result.detector_name,
        "state": result.detector.state(),
        "reference": np.asarray(result.raw, np.float64),  # calibration of new rows against this table's rows
        "threshold": result.threshold.value,
        "feature_columns": list(result.encoder.feature_columns_),
    }
    atomic_write(_media(f"{run.folder}/model.pt"), torch_bytes(model))
    run.scores, run.model = f"{run.folder}/scores.csv", f"{run.folder}/model.pt"
    run.summary = {
        "done": True,
        "plan": [{"name": p.name, "role": p.role, "note": p.note, "missing": p.missing} for p in plan],
        "detector": result.detector_name,
        "threshold": _threshold_json(result.threshold),
        "top": result.top,
        "metrics": result.metrics,
        "detectors": result.detectors,
        **table_summary_figures(result),
    }
    run.save(update_fields=["scores", "model", "summary"])
    return _brief(run)


def _threshold_json(threshold) -> dict[str, Any]:
    return {
        "value": float(threshold.value),
        "method": threshold.method,
        "share": float(threshold.share),
        "explanation": threshold.explanation,
    }


def _scored_csv(table, calibrated: np.ndarray, raw: np.ndarray, flags: np.ndarray) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*table.header, "score", "raw_score", "flag"])
    for k, row in enumerate(table.rows):
        writer.writerow([*row, f"{calibrated[k]:.6f}", f"{raw[k]:.6g}", int(flags[k])])
    return out.getvalue().encode()


_cache: dict[str, Any] = {}  # run id -> (encoder, detector, model file), the last 16 tables scored in this process


def _table_model(run: AnomalyRun):
    """The run's fitted encoder and detector, loaded once per worker process (keyed by the run)."""
    from apps.anomaly.ml.table_data import TableEncoder
    from apps.anomaly.ml.table_detectors import TableAutoencoder

    key = f"anomaly-table:{run.id}"
    cached = _cache.get(key)
    if cached is None:
        model = _torch_read(_media(run.model))
        encoder = TableEncoder.from_dict(json.loads(_media(f"{run.folder}/encoder.json").read_text()))
        detector = TableAutoencoder.from_state(model["state"], device=device_resolve())
        cached = _cache[key] = (encoder, detector, model)
        while len(_cache) > 16:
            _cache.pop(next(iter(_cache)))
    return cached


def table_score_job(job, reporter) -> dict:
    from apps.anomaly.ml.scores import contributions, scores_calibrate

    run = AnomalyRun.objects.filter(id=job.params["run"]).first()
    if run is None:
        raise RuntimeError("this table has been deleted (uploads are kept for a limited time); upload it again")
    encoder, detector, model = _table_model(run)
    rows = job.params["rows"]
    X = encoder.transform_rows(rows)
    raw = np.asarray(detector.score_samples(X), np.float64)
    calibrated = scores_calibrate(model["reference"], raw)
    columns, shares = contributions(detector.feature_errors(X), model["feature_columns"])
    return {
        "threshold": model["threshold"],
        "scores": [
            {
                "score": float(calibrated[k]),
                "raw_score": float(raw[k]),
                "flag": bool(raw[k] >= model["threshold"]),
                "contributions": {c: round(float(s), 4) for c, s in zip(columns, shares[k], strict=True)},
            }
            for k in range(len(rows))
        ],
    }


# --- series ------------------------------------------------------------------------------------


def series_fit_job(job, reporter) -> dict:
    from apps.anomaly.ml.config import SeriesTrainConfig
    from apps.anomaly.ml.series_data import series_load, series_parse
    from apps.anomaly.ml.series_run import chart_points, series_detect

    run = _run_for(job)
    if run.summary.get("done"):
        return _brief(run)
    reporter.update(progress=0.01, message="Reading the series")
    params = run.params
    if params.get("series"):
        series = series_load(params["series"])
    else:
        series = series_parse(
            _media(run.input).read_bytes(), column=params.get("column"), label_column=params.get("label_column"),
            max_bytes=settings.AEWEB_ANOMALY_MAX_BYTES,
        )  # fmt: skip
    config = SeriesTrainConfig.from_dict(params.get("config") or {})
    result = series_detect(
        series, config, device=device_resolve(),
        progress=lambda fraction, message: reporter.update(progress=fraction, message=message),
    )  # fmt: skip
    reporter.update(progress=0.97, message="Writing the scores")
    flags = result.scores >= result.threshold.value
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["index", "value", "score", "flag", *(["label"] if series.labels is not None else [])])
    for k, value in enumerate(series.values):
        label = [int(series.labels[k])] if series.labels is not None else []
        writer.writerow([k, f"{value:.10g}", f"{result.scores[k]:.6g}", int(flags[k]), *label])
    atomic_write(_media(f"{run.folder}/scores.csv"), out.getvalue().encode())
    labelled = []
    if series.labels is not None:
        from apps.anomaly.ml.scores import ranges_from_flags

        labelled = ranges_from_flags(np.asarray(series.labels) > 0)
    run.scores = f"{run.folder}/scores.csv"
    run.summary = {
        "done": True,
        "title": series.title,
        "window": result.window,
        "train_end": series.train_end,
        "threshold": _threshold_json(result.threshold),
        "ranges": [list(r) for r in result.ranges],
        "labelled_ranges": [list(r) for r in labelled],
        "flagged": int(flags.sum()),
        "metrics": result.metrics,
        "baselines": result.baselines,
        "chart": chart_points(np.asarray(series.values, np.float64), result.scores),
    }
    run.save(update_fields=["scores", "summary"])
    return _brief(run)


# --- images ------------------------------------------------------------------------------------


def image_score_job(job, reporter) -> dict:
    from apps.anomaly.ml.heatmap import heatmap_rgb, png_bytes
    from apps.anomaly.ml.images import detectors_load
    from apps.anomaly.ml.scores import scores_calibrate

    params = job.params
    version = ModelVersion.objects.filter(id=params["version"]).first()
    if version is None:
        raise RuntimeError("the model this image was queued for has been deleted; score it again")
    detectors = model_loaded(version, lambda path: detectors_load(path, device_resolve()), artifact="detectors")
    c = params["normal_class"]
    detector = detectors[c]
    image = np.asarray(params["pixels"], np.uint8).reshape(1, 28, 28)
    score = float(detector.score_samples(image)[0])
    heat = heatmap_rgb(detector.error_maps(image), detector.error_scale_)[0]
    folder = f"{SCORE_MEDIA}/{job.id}"
    atomic_write(_media(f"{folder}/image.png"), png_bytes(image[0], upscale=8))
    atomic_write(_media(f"{folder}/heatmap.png"), png_bytes(heat, upscale=8))
    reference = np.asarray(detector.train_scores_, np.float64)
    calibrated = float(scores_calibrate(reference, np.array([score]))[0])
    threshold = float(np.quantile(reference, 0.99))
    return {
        "score": score,
        "calibrated": calibrated,
        "flag": score > threshold,
        "threshold": threshold,
        "normal_class": c,
        "model_version": version.id,
        "error_scale": float(detector.error_scale_),
        "image_url": f"{settings.MEDIA_URL}{folder}/image.png",
        "heatmap_url": f"{settings.MEDIA_URL}{folder}/heatmap.png",
    }
