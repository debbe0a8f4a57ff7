"""GeneratedImage: one PNG a gallery job made, with what is needed to make it again."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.core.models import Job, ModelVersion


class ImageKind(models.TextChoices):
    SAMPLE = "sample"
    INTERPOLATION = "interpolation"
    LATENT_MAP = "latent-map"
    RECONSTRUCTION = "reconstruction"
    ORIGINAL = "original"
    NOISY = "noisy"  # the denoising demo: a test image with noise added ...
    DENOISED = "denoised"  # ... and what the denoising autoencoder makes of it


class GeneratedImage(models.Model):
    # The PNG's path relative to MEDIA_ROOT (gallery/<job id>/<kind>-<position>.png).
    file = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=ImageKind.choices, default=ImageKind.SAMPLE, db_index=True)
    seed = models.BigIntegerField(null=True, blank=True)
    temperature = models.FloatField(null=True, blank=True)
    # The latent vector decoded into this image (samples, interpolation frames) or the posterior
    # mean (reconstructions); for a latent map, the grid it covers.
    latent = models.JSONField(null=True, blank=True)
    label = models.CharField(max_length=64, blank=True, default="", db_index=True, help_text="class name")
    label_index = models.SmallIntegerField(null=True, blank=True)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="gallery_images")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="gallery_images")
    position = models.PositiveIntegerField(default=0, help_text="order within the job's images")
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # A redelivered or retried job finds its images already there instead of adding twins.
            models.UniqueConstraint(fields=["job", "kind", "position"], name="gallery_image_unique_per_job"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.id} ({self.label or 'no label'})"

    @property
    def url(self) -> str:
        return f"{settings.MEDIA_URL}{self.file}"
