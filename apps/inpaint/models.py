"""One inpainting request: the image and its mask, what the worker made of them, and when they are deleted."""

from __future__ import annotations

from django.db import models

from apps.core.models import ImageRequest

MEDIA_ROOT_FOLDER = "inpaint"


class InpaintRequest(ImageRequest):
    MEDIA_FOLDER = MEDIA_ROOT_FOLDER
    PAINTED = "painted"  # mask_kind of a mask sent as a PNG (painted in the page, or made elsewhere)

    mask = models.FileField(max_length=300, help_text="8-bit PNG of the image's size: 255 = fill, 0 = keep")
    masked = models.FileField(max_length=300, blank=True, default="", help_text="the input with the hole shown")
    output = models.FileField(max_length=300, blank=True, default="", help_text="the model's fill (PNG)")
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

    def __str__(self) -> str:
        return f"inpaint {self.id} ({self.width}×{self.height} {self.format}, {self.mask_kind})"
