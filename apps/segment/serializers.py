from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.params import SEED_MAX
from apps.core.serializers import ImageRequestSerializer, JsonCharField, JsonChoiceField, JsonIntegerField
from apps.segment.models import SegmentRequest
from apps.segment.slots import DEFAULT_DATASET, SEGMENT_DATASETS


class SegmentUploadSerializer(serializers.Serializer):
    """Multipart input: an image, and the data set whose model segments it."""

    image = serializers.FileField(
        allow_empty_file=True, help_text="PNG, JPEG, WebP, BMP, TIFF or GIF (one frame); checked as the denoiser's"
    )
    dataset = serializers.ChoiceField(
        choices=list(SEGMENT_DATASETS),
        default=DEFAULT_DATASET,
        help_text="whose model to use: Fashionopolis (background + 10 Fashion-MNIST classes) or ISBI EM "
        "(cell, membrane)",
    )


class SegmentSampleSerializer(serializers.Serializer):
    """JSON input: a sample made on the server, with its true mask (so the result is scored)."""

    sample = JsonCharField(
        max_length=40,
        help_text='"scene" (a generated Fashionopolis scene; with `seed`), "scene-<seed>", or "em-<n>" (ISBI EM '
        "slice n, 0..29, where this server has the data set; 24..29 are the held-out test slices)",
    )
    seed = JsonIntegerField(
        min_value=0,
        max_value=SEED_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="the scene's seed (the same seed, the same scene); drawn at random when omitted",
    )
    dataset = JsonChoiceField(
        choices=list(SEGMENT_DATASETS), required=False, help_text="optional: must be the sample's own data set"
    )


class SegmentClassSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    colour = serializers.CharField(help_text="#rrggbb, as in the mask")
    area = serializers.FloatField(allow_null=True, help_text="share of the pixels predicted as this class (0..1)")


class SegmentScoresSerializer(serializers.Serializer):
    pixel_accuracy = serializers.FloatField()
    miou = serializers.FloatField(help_text="mean IoU over the classes present in the prediction or the truth")
    iou = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="per class; null when absent from both"
    )


class SegmentRequestSerializer(ImageRequestSerializer):
    """A segmentation request: its job's state and, once it has succeeded, the mask, the overlay, the labels, each
    class's share of the pixels, and the scores against the true mask of a sample (null for uploads)."""

    detail_route, page_route = "api-segment-detail", "segment:result"

    mask_url = serializers.SerializerMethodField()
    overlay_url = serializers.SerializerMethodField()
    labels_url = serializers.SerializerMethodField()
    truth_url = serializers.SerializerMethodField()
    classes = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()

    class Meta:
        model = SegmentRequest
        fields = [
            "id", "status", "progress", "message", "error", "job", "url", "page_url",
            "input_url", "mask_url", "overlay_url", "labels_url", "truth_url", "sample", "dataset",
            "classes", "scores", "model", "width", "height", "mode", "format", "converted", "seconds",
            "created_at", "expires_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="the mask in class colours (PNG)"))
    def get_mask_url(self, obj: SegmentRequest) -> str | None:
        return self.file_url(obj.mask)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="the image with the mask at 50 % (PNG)"))
    def get_overlay_url(self, obj: SegmentRequest) -> str | None:
        return self.file_url(obj.overlay)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="class index per pixel (PNG, 8-bit grey)"))
    def get_labels_url(self, obj: SegmentRequest) -> str | None:
        return self.file_url(obj.labels)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="the true mask, when known (samples)"))
    def get_truth_url(self, obj: SegmentRequest) -> str | None:
        return self.file_url(obj.truth)

    @extend_schema_field(SegmentClassSerializer(many=True))
    def get_classes(self, obj: SegmentRequest) -> list:
        return obj.classes or []

    @extend_schema_field(SegmentScoresSerializer(allow_null=True))
    def get_scores(self, obj: SegmentRequest) -> dict | None:
        return obj.scores

