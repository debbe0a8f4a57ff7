"""Writes for the anomaly app: a table or series run (checked, stored, queued), scoring jobs, purging.

Every refusal (400 bad input, 404 unknown run, 409 no model, 503 broker down) leaves no row and no file
behind: the upload is parsed and its columns planned in the web process (NumPy, no torch) before anything
is stored.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from apps.anomaly import selectors
from apps.anomaly.examples import example_csv
from apps.anomaly.ml.config import SERIES_DEFAULT, SeriesTrainConfig, TableFitConfig
from apps.anomaly.ml.series_data import SHIPPED, SeriesError, series_available, series_parse
from apps.anomaly.ml.table_data import TableError, table_parse, table_plan
from apps.anomaly.models import MEDIA, AnomalyRun, run_folder
from apps.anomaly.slots import IMAGE_SCORE_KIND, SERIES_KIND, TABLE_EXAMPLES, TABLE_KIND, TABLE_SCORE_KIND
from apps.core.errors import Conflict, InvalidInput
from apps.core.media_requests import (
    media_expiry,
    media_path,
    media_request_delete,
    media_request_store,
    media_requests_purge,
)
from apps.core.ml.config import ConfigError
from apps.core.models import Job
from apps.core.services import job_create

ROWS_MAX = 1000  # new rows scored per request


def _config(cls, settings_: dict[str, Any]):
    try:
        return cls.from_dict({k: v for k, v in settings_.items() if v is not None})
    except ConfigError as exc:
        raise InvalidInput(exc.field, exc.message) from None


def table_run_create(
    *,
    data: bytes | None = None,
    name: str = "",
    example: str = "",
    columns: list[str] | None = None,
    label_column: str = "",
    contamination: float | None = None,
    user=None,
) -> AnomalyRun:
    """Check the CSV (an upload or a shipped example), plan its columns, store it and queue the fit."""
    if (data is None) == (not example):
        raise InvalidInput("file", "send either a CSV file or the name of an example, not both or neither")
    if example:
        if example not in TABLE_EXAMPLES:
            raise InvalidInput("example", f"must be one of {', '.join(TABLE_EXAMPLES)}, not {example!r}")
        data, name = example_csv(example), f"{example}.csv"
    config = _config(TableFitConfig, {"contamination": contamination})
    try:
        table = table_parse(data, max_bytes=settings.AEWEB_ANOMALY_MAX_BYTES)
        plan = table_plan(table, columns=columns or None, label_column=label_column or None)
    except TableError as exc:
        raise InvalidInput(exc.field, exc.message) from None
    params = {
        "columns": [p.name for p in plan if p.role in ("numeric", "categorical")],
        "label_column": label_column or None,
        "config": config.to_dict(),
    }
    return _run_store(
        kind=AnomalyRun.TABLE,
        job_kind=TABLE_KIND,
        data=data,
        source=example or "upload",
        name=name,
        params=params,
        rows=table.n_rows,
        columns=len(params["columns"]),
        user=user,
    )


def series_run_create(
    *,
    data: bytes | None = None,
    name: str = "",
    series: str = "",
    column: str = "",
    label_column: str = "",
    model: str = SERIES_DEFAULT,
    window: int | None = None,
    contamination: float | None = None,
    seconds: float | None = None,
    user=None,
) -> AnomalyRun:
    """Check a series (an uploaded CSV column or a shipped one), store it and queue the fit."""
    if (data is None) == (not series):
        raise InvalidInput("file", "send either a CSV file or the name of a shipped series, not both or neither")
    config = _config(
        SeriesTrainConfig, {"model": model, "window": window, "contamination": contamination, "seconds": seconds}
    )
    if series:
        if series not in series_available():
            raise InvalidInput("series", f"must be one of {', '.join(series_available()) or '(none installed)'}")
        points = SHIPPED[series]["length"]  # known from the package's file: no need to read it here
    else:
        try:
            parsed = series_parse(
                data, column=column or None, label_column=label_column or None,
                max_bytes=settings.AEWEB_ANOMALY_MAX_BYTES,
            )  # fmt: skip
        except SeriesError as exc:
            raise InvalidInput(exc.field, exc.message) from None
        points = len(parsed.values)
        if config.window is not None and config.window * 4 > points:
            raise InvalidInput("window", f"a window of {config.window} needs at least {config.window * 4} points")
    params = {
        "series": series or None,
        "column": column or None,
        "label_column": label_column or None,
        "config": config.to_dict(),
    }
    return _run_store(
        kind=AnomalyRun.SERIES,
        job_kind=SERIES_KIND,
        data=data if not series else None,
        source=series or "upload",
        name=name or series,
        params=params,
        rows=points,
        columns=1,
        user=user,
    )


def _run_store(
    *, kind: str, job_kind: str, data: bytes | None, source: str, name: str, params: dict, rows: int, columns: int,
    user=None,
) -> AnomalyRun:  # fmt: skip
    run_id = uuid.uuid4()
    relpath = f"{run_folder(run_id)}/input.csv" if data is not None else ""

    def create(job) -> AnomalyRun:
        return AnomalyRun.objects.create(
            id=run_id,
            kind=kind,
            job=job,
            source=source,
            original_name=(name or "")[:200],
            input=relpath,
            params=params,
            rows=rows,
            columns=columns,
            expires_at=media_expiry(settings.AEWEB_ANOMALY_RETENTION_HOURS),
        )

    return media_request_store(
        folder=run_folder(run_id),
        files={relpath: data} if data is not None else {},
        job_kind=job_kind,
        job_params={"rows": rows, "columns": columns},
        create=create,
        user=user,
    )


def table_rows_score(*, run_id, rows: Any, user=None) -> Job:
    """Queue scoring new rows (JSON objects {column: value}) with a fitted table's model (interactive queue)."""
    from apps.anomaly.ml.table_data import TableEncoder

    run = selectors.anomaly_run_get(run_id=run_id, kind=AnomalyRun.TABLE)
    if not isinstance(rows, list) or not rows or not all(isinstance(row, dict) for row in rows):
        raise InvalidInput("rows", "send the rows to score as a non-empty list of objects {column: value}")
    if len(rows) > ROWS_MAX:
        raise InvalidInput("rows", f"at most {ROWS_MAX} rows per request, not {len(rows)}")
    encoder_path = media_path(f"{run.folder}/encoder.json")
    if not run.model or not encoder_path.is_file():
        raise Conflict("This table's detectors are not fitted yet: wait until its job has succeeded.")
    try:
        TableEncoder.from_dict(json.loads(encoder_path.read_text())).transform_rows(rows)
    except TableError as exc:
        raise InvalidInput(f"rows.{exc.field}" if exc.field != "rows" else "rows", exc.message) from None
    return job_create(kind=TABLE_SCORE_KIND, params={"run": str(run.id), "rows": rows}, user=user)


def image_score_start(*, pixels: list[int], dataset: str, normal_class: int, model: str = "conv", user=None) -> Job:
    """Queue scoring one 28×28 image against a normal class with the active one-class model of `dataset`."""
    version = selectors.image_version_active(dataset=dataset, model=model)
    if version is None:
        raise Conflict(
            f"No one-class {model} model is trained on {dataset} yet: "
            f"`manage.py train anomaly --dataset {dataset} --model {model}` (or the admin)."
        )
    classes = version.config.get("classes") or list(range(10))
    if normal_class not in classes:
        raise InvalidInput("normal_class", f"this model has classes {', '.join(map(str, classes))} only")
    params = {"version": version.id, "normal_class": normal_class, "pixels": pixels}
    return job_create(kind=IMAGE_SCORE_KIND, params=params, user=user)


def anomaly_run_delete(*, run: AnomalyRun) -> None:
    """The row and its folder; the job row stays (it holds no data, only counts)."""
    media_request_delete(row=run)


def anomaly_runs_purge(*, now=None) -> int:
    """Delete runs past the retention time (rows and files) and old image-score folders; returns how many runs."""
    hours = settings.AEWEB_ANOMALY_RETENTION_HOURS
    count = media_requests_purge(model=AnomalyRun, root=MEDIA, hours=hours, now=now)
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    scores = media_path(selectors.SCORE_MEDIA)
    if scores.is_dir():  # scored images belong to no run: they go by age alone
        for folder in scores.iterdir():
            if folder.stat().st_mtime < cutoff.timestamp():
                shutil.rmtree(folder, ignore_errors=True)
    return count
