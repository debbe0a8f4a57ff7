"""One segmentation request: the image, what the worker made of it (mask, overlay, labels), and when it goes."""

from __future__ import annotations

from django.db import models

from apps.core.models import ImageRequest

MEDIA_ROOT_FOLDER = "segment"


class SegmentRequest(ImageRequest):
    MEDIA_FOLDER = MEDIA_ROOT_FOLDER

    mask = models.FileField(max_length=300, blank=True, default="", help_text="each pixel its class's colour (PNG)")
    overlay = models.FileField(max_length=300, blank=True, default="", help_text="the image with the mask at 50 %")
    labels = models.FileField(max_length=300, blank=True, default="", help_text="class index per pixel (PNG, mode L)")
    truth = models.FileField(max_length=300, blank=True, default="", help_text="the true mask in class colours")
    truth_labels = models.FileField(
        max_length=300, blank=True, default="", help_text="the true class index per pixel (PNG, mode L)"
    )
    dataset = models.CharField(max_length=40, help_text="the data set the model is for")
    classes = models.JSONField(default=list, blank=True, help_text='[{"index", "name", "colour", "area"}]')
    scores = models.JSONField(
        null=True, blank=True, help_text='against the truth when known: {"pixel_accuracy", "iou", "miou"}'
    )

    def __str__(self) -> str:
        return f"segment {self.id} ({self.width}×{self.height} {self.sample or self.format}, {self.dataset})"
