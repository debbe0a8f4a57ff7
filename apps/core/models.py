"""Job (any async work) and ModelVersion (the model registry), shared by every app."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINAL_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(models.Model):
    """One unit of async work: training, batch inference, generation, denoising."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=64, db_index=True, help_text="e.g. train.recommender")
    queue = models.CharField(max_length=32, default="gpu")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    # Two jobs with the same non-empty lock_key may not be queued or running at once.
    lock_key = models.CharField(max_length=200, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=500, blank=True, default="")
    history = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lock_key"],
                condition=models.Q(status__in=["queued", "running"]) & ~models.Q(lock_key=""),
                name="job_one_active_per_lock_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class ModelVersion(models.Model):
    """An immutable, evaluated, trained model; `ActiveModel` points at the one in use."""

    kind = models.CharField(max_length=32, db_index=True, help_text="what the model does: recommender, vae, denoiser")
    dataset = models.CharField(max_length=100, db_index=True)
    # The active pointer this version is made for; a kind declares its slots in its app contract.
    slot = models.CharField(max_length=32, default="default", help_text="e.g. conditional, latent2d")
    name = models.CharField(max_length=64, help_text="the architecture, e.g. mult-vae")
    version = models.PositiveIntegerField()
    config = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    baselines = models.JSONField(default=dict, blank=True)
    history = models.JSONField(default=list, blank=True)
    # {"checkpoint": {"path", "sha256", "bytes"}, "serving": {...}}: paths under AEWEB_ARTIFACT_DIR
    artifacts = models.JSONField(default=dict, blank=True)
    card = models.TextField(blank=True, default="", help_text="model card: data, config, command")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="model_versions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "dataset", "slot", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "dataset", "slot", "version"], name="model_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.target} v{self.version} ({self.name})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("A ModelVersion is immutable once saved; train a new version instead.")
        super().save(*args, **kwargs)

    @property
    def target(self) -> str:
        """kind/dataset, with the slot when it is not the default one: what an active pointer names."""
        return pointer_label(self.kind, self.dataset, self.slot)

    def artifact_sha256(self, name: str = "checkpoint") -> str:
        return (self.artifacts.get(name) or {}).get("sha256", "")


def pointer_label(kind: str, dataset: str, slot: str) -> str:
    return f"{kind}/{dataset}" + ("" if slot == "default" else f" [{slot}]")


class ActiveModel(models.Model):
    """The pointer to the version in use for one (kind, dataset, slot); moved in one transaction."""

    kind = models.CharField(max_length=32)
    dataset = models.CharField(max_length=100)
    slot = models.CharField(max_length=32, default="default")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    activated_at = models.DateTimeField(auto_now=True)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "dataset", "slot"], name="active_model_unique")]

    def __str__(self) -> str:
        return f"{pointer_label(self.kind, self.dataset, self.slot)} → v{self.model_version.version}"


class Activation(models.Model):
    """Every move of an ActiveModel pointer, so a rollback knows where to go back to."""

    kind = models.CharField(max_length=32)
    dataset = models.CharField(max_length=100)
    slot = models.CharField(max_length=32, default="default")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="activations")
    activated_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-activated_at", "-id"]

    def __str__(self) -> str:
        label = pointer_label(self.kind, self.dataset, self.slot)
        return f"{label} → {self.model_version_id} at {self.activated_at:%Y-%m-%d %H:%M}"


class ImageRequest(models.Model):
    """What every image-in, image-out request stores (denoising, inpainting, segmentation): the upload or sample,
    its checked size and format, the model it was queued for, the worker's time, and when it is deleted.

    Files live under MEDIA_ROOT/<MEDIA_FOLDER>/<uuid>/ (apps.core.media_requests stores and purges them); the
    uuid primary key doubles as the only way to reach a result, so these rows are never listed publicly."""

    MEDIA_FOLDER = ""  # set by each app: "denoise", "inpaint", ...

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.OneToOneField(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="%(app_label)s_request"
    )
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    input = models.FileField(max_length=300, help_text="as uploaded (EXIF orientation applied), or the sample")
    sample = models.CharField(max_length=40, blank=True, default="", help_text="the sample used, if any")
    original_name = models.CharField(max_length=200, blank=True, default="")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    mode = models.CharField(max_length=16, blank=True, default="", help_text="Pillow mode of the upload")
    format = models.CharField(max_length=16, blank=True, default="", help_text="format of the upload")
    converted = models.CharField(max_length=200, blank=True, default="", help_text="conversions applied on upload")
    seconds = models.FloatField(null=True, blank=True, help_text="processing time in the worker")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @staticmethod
    def image_fields(image, name: str) -> dict:
        """The row's fields that describe the checked image (an apps.core.image_upload_check.CheckedImage, or
        anything with its width, height, mode, format and converted) and the name it came with."""
        return {
            "original_name": (name or "")[:200],
            "width": image.width,
            "height": image.height,
            "mode": image.mode,
            "format": image.format,
            "converted": "; ".join(image.converted)[:200],
        }

    @classmethod
    def folder_of(cls, request_id) -> str:
        """Where a request's files live, relative to MEDIA_ROOT (known before its row exists)."""
        return f"{cls.MEDIA_FOLDER}/{request_id}"

    @property
    def folder(self) -> str:
        return self.folder_of(self.id)
