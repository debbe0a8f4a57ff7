"""One inpainting request: the image and its mask, what the worker made of them, and when they are deleted."""

from __future__ import annotations

import uuid

from django.db import models

from apps.core.models import Job, ModelVersion

MEDIA_ROOT_FOLDER = "inpaint"


def request_folder(request_id) -> str:
    """Files of a request live under MEDIA_ROOT/inpaint/<uuid>/: the uuid makes them unguessable."""
    return f"{MEDIA_ROOT_FOLDER}/{request_id}"


class InpaintRequest(models.Model):
    PAINTED = "painted"  # mask_kind of a mask sent as a PNG (painted in the page, or made elsewhere)

    # The primary key doubles as the only way to reach a result: never list them publicly.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="inpaint_request")
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    input = models.FileField(max_length=300, help_text="the image as uploaded (EXIF orientation applied) or the sample")
    mask = models.FileField(max_length=300, help_text="8-bit PNG of the image's size: 255 = fill, 0 = keep")
    masked = models.FileField(max_length=300, blank=True, default="", help_text="the input with the hole shown")
    output = models.FileField(max_length=300, blank=True, default="", help_text="the model's fill (PNG)")
    sample = models.CharField(max_length=40, blank=True, default="", help_text="the sample used, if any")
    original_name = models.CharField(max_length=200, blank=True, default="")
    mask_kind = models.CharField(
        max_length=16, default=PAINTED, help_text="painted (a mask PNG was sent), or centre/boxes/pixels/freeform"
    )
    mask_coverage = models.FloatField(null=True, blank=True, help_text="the coverage asked for a generated mask")
    mask_seed = models.BigIntegerField(null=True, blank=True, help_text="the seed of a generated mask")
    coverage = models.FloatField(default=0.0, help_text="the share of the image the mask covers")
    psnr = models.FloatField(null=True, blank=True, help_text="filled against the input, whole image")
    ssim = models.FloatField(null=True, blank=True)
    psnr_masked = models.FloatField(null=True, blank=True, help_text="PSNR over the filled pixels only")
    baselines = models.JSONField(default=dict, blank=True, help_text='{name: {"psnr", "ssim", "psnr_masked"}}')
    baselines_files = models.JSONField(default=dict, blank=True, help_text="{name: the baseline's PNG under MEDIA}")
    baselines_skipped = models.JSONField(default=list, blank=True, help_text="baselines not run: too slow at this size")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    mode = models.CharField(max_length=16, blank=True, default="", help_text="Pillow mode of the upload")
    format = models.CharField(max_length=16, blank=True, default="", help_text="format of the upload")
    converted = models.CharField(max_length=200, blank=True, default="", help_text="conversions applied on upload")
    seconds = models.FloatField(null=True, blank=True, help_text="processing time in the worker")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"inpaint {self.id} ({self.width}×{self.height} {self.format}, {self.mask_kind})"

    @property
    def folder(self) -> str:
        return request_folder(self.id)
