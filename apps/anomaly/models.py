"""A table or series a visitor brought (or picked): the upload, the fitted detectors, the scores.

Reached only by its uuid (never listed publicly) and deleted with its files after the retention time,
like a denoising upload.
"""

from __future__ import annotations

import uuid

from django.db import models

from apps.core.models import Job

MEDIA = "anomaly"


def run_folder(run_id) -> str:
    """Files of a run live under MEDIA_ROOT/anomaly/<uuid>/: the uuid makes them unguessable."""
    return f"{MEDIA}/{run_id}"


class AnomalyRun(models.Model):
    TABLE, SERIES = "table", "series"
    KINDS = [(TABLE, "table"), (SERIES, "time series")]

    # The primary key doubles as the only way to reach a result: never list them publicly.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=8, choices=KINDS)
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="anomaly_run")
    source = models.CharField(max_length=40, default="upload", help_text="'upload' or the shipped example's name")
    original_name = models.CharField(max_length=200, blank=True, default="")
    input = models.CharField(max_length=300, blank=True, default="", help_text="the stored upload (media path)")
    params = models.JSONField(default=dict, help_text="what was asked: columns, label column, contamination...")
    summary = models.JSONField(default=dict, blank=True, help_text="the worker's result: figures, threshold, top rows")
    scores = models.CharField(max_length=300, blank=True, default="", help_text="the scored CSV (media path)")
    model = models.CharField(max_length=300, blank=True, default="", help_text="the fitted detector (media path)")
    rows = models.PositiveIntegerField(default=0, help_text="rows (tables) or points (series)")
    columns = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"anomaly {self.kind} {self.id} ({self.source}, {self.rows} rows)"

    @property
    def folder(self) -> str:
        return run_folder(self.id)
