"""One denoising request: the upload, what the worker made of it, and when it is deleted."""

from __future__ import annotations

import uuid

from django.db import models

from apps.core.models import Job, ModelVersion


def request_folder(request_id) -> str:
    """Files of a request live under MEDIA_ROOT/denoise/<uuid>/: the uuid makes them unguessable."""
    return f"denoise/{request_id}"


DEMO_MEDIA = "denoise-demo"


def demo_folder(job_id) -> str:
    """The 28×28 demo's PNGs live under MEDIA_ROOT/denoise-demo/<job id>/ (test images, nothing private)."""
    return f"{DEMO_MEDIA}/{job_id}"


class DenoiseRequest(models.Model):
    # The primary key doubles as the only way to reach a result: never list them publicly.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="denoise_request")
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    input = models.FileField(max_length=300, help_text="as uploaded, EXIF orientation applied")
    noisy = models.FileField(max_length=300, blank=True, default="", help_text="the input with noise added here")
    output = models.FileField(max_length=300, blank=True, default="")
    sample = models.CharField(max_length=40, blank=True, default="", help_text="the sample image used, if any")
    original_name = models.CharField(max_length=200, blank=True, default="")
    sigma = models.FloatField(null=True, blank=True, help_text="noise added here (0-255 scale); null: none")
    sigma_estimated = models.FloatField(null=True, blank=True, help_text="noise level estimated from the image")
    psnr_noisy = models.FloatField(null=True, blank=True)
    ssim_noisy = models.FloatField(null=True, blank=True)
    psnr = models.FloatField(null=True, blank=True, help_text="denoised against the original (when noise was added)")
    ssim = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    mode = models.CharField(max_length=16, blank=True, default="", help_text="Pillow mode of the upload")
    format = models.CharField(max_length=16, blank=True, default="", help_text="format of the upload")
    output_format = models.CharField(max_length=16, blank=True, default="")
    converted = models.CharField(max_length=200, blank=True, default="", help_text="conversions applied on upload")
    seconds = models.FloatField(null=True, blank=True, help_text="processing time in the worker")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"denoise {self.id} ({self.width}×{self.height} {self.format})"

    @property
    def folder(self) -> str:
        return request_folder(self.id)
