"""One denoising request: the upload, what the worker made of it, and when it is deleted."""

from __future__ import annotations

from django.db import models

from apps.core.models import ImageRequest

DEMO_MEDIA = "denoise-demo"


def demo_folder(job_id) -> str:
    """The 28×28 demo's PNGs live under MEDIA_ROOT/denoise-demo/<job id>/ (test images, nothing private)."""
    return f"{DEMO_MEDIA}/{job_id}"


class DenoiseRequest(ImageRequest):
    MEDIA_FOLDER = "denoise"

    noisy = models.FileField(max_length=300, blank=True, default="", help_text="the input with noise added here")
    output = models.FileField(max_length=300, blank=True, default="")
    sigma = models.FloatField(null=True, blank=True, help_text="noise added here (0-255 scale); null: none")
    sigma_estimated = models.FloatField(null=True, blank=True, help_text="noise level estimated from the image")
    self_ensemble = models.BooleanField(
        default=False, help_text="averaged over the 8 flips and quarter turns (about 8× the time, a little sharper)"
    )
    psnr_noisy = models.FloatField(null=True, blank=True)
    ssim_noisy = models.FloatField(null=True, blank=True)
    psnr = models.FloatField(null=True, blank=True, help_text="denoised against the original (when noise was added)")
    ssim = models.FloatField(null=True, blank=True)
    output_format = models.CharField(max_length=16, blank=True, default="")

    def __str__(self) -> str:
        return f"denoise {self.id} ({self.width}×{self.height} {self.format})"
