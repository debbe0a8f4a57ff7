from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.params import SEED_MAX
from apps.core.photo_samples import SAMPLES
from apps.core.serializers import (
    FormFloatField,
    ImageRequestSerializer,
    JsonChoiceField,
    JsonFloatField,
    JsonIntegerField,
)
from apps.denoise.ml.config import DAE_DATASETS, SIGMA_MAX
from apps.denoise.models import DenoiseRequest
from apps.denoise.params import (
    DEMO_COUNT_DEFAULT,
    DEMO_COUNT_MAX,
    DEMO_COUNT_MIN,
    DEMO_DEFAULT_DATASET,
    NOISE_STD_MAX,
)


class DenoiseCreateSerializer(serializers.Serializer):
    """Multipart input: an image file or a sample's name (exactly one), and optionally the noise to add first."""

    image = serializers.FileField(
        required=False, allow_empty_file=True, help_text="PNG, JPEG, WebP, BMP, TIFF or GIF (one frame)"
    )
    sample = serializers.ChoiceField(
        choices=list(SAMPLES), required=False, help_text="use this sample image instead of an upload"
    )
    sigma = FormFloatField(
        required=False,
        min_value=0,
        max_value=SIGMA_MAX,
        help_text="add Gaussian noise of this std (0-255 scale) first; omit to denoise the image as it is",
    )
    self_ensemble = serializers.BooleanField(
        required=False,
        default=False,
        help_text="best quality: average the model over the 8 flips and quarter turns of the image "
        "(about 8× the time, and 8× the image's pixels against the hourly pixel budget; "
        "about +0.2 dB PSNR on Set12)",
    )

    def validate(self, attrs: dict) -> dict:
        if "image" in attrs and "sample" in attrs:
            raise serializers.ValidationError({"image": ["send an image file or a sample name, not both"]})
        if "image" not in attrs and "sample" not in attrs:
            raise serializers.ValidationError({"image": ["send an image file or a sample name"]})
        return attrs


class DenoiseCreateSchema(OpenApiSerializerExtension):
    """The schema says what `validate` checks: exactly one of `image` and `sample`."""

    target_class = DenoiseCreateSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        # A body with both matches both branches, so oneOf refuses it, as the API does.
        schema["oneOf"] = [{"required": ["image"]}, {"required": ["sample"]}]
        return schema


class DaeDemoRequestSerializer(serializers.Serializer):
    """JSON input of the 28×28 demo; the job's validator (apps.denoise.params) applies the same limits."""

    dataset = JsonChoiceField(choices=list(DAE_DATASETS), default=DEMO_DEFAULT_DATASET)
    count = JsonIntegerField(min_value=DEMO_COUNT_MIN, max_value=DEMO_COUNT_MAX, default=DEMO_COUNT_DEFAULT)
    noise_std = JsonFloatField(
        exclusive_min=0.0,
        max_value=NOISE_STD_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text=f"Gaussian noise std on intensities in (0, {NOISE_STD_MAX:g}]; null: the level the model was "
        "trained with",
    )
    seed = JsonIntegerField(
        min_value=0,
        max_value=SEED_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="chooses the test images and the noise; drawn at random when omitted",
    )


class DenoiseRequestSerializer(ImageRequestSerializer):
    detail_route, page_route = "api-denoise-detail", "denoise:result"

    noisy_url = serializers.SerializerMethodField()
    output_url = serializers.SerializerMethodField()

    class Meta:
        model = DenoiseRequest
        fields = [
            "id", "status", "progress", "message", "error", "job", "url", "page_url",
            "input_url", "noisy_url", "output_url", "sample",
            "sigma", "sigma_estimated", "self_ensemble", "psnr", "ssim", "psnr_noisy", "ssim_noisy",
            "width", "height", "mode", "format", "output_format", "converted", "seconds", "model",
            "created_at", "expires_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_noisy_url(self, obj: DenoiseRequest) -> str | None:
        return self.file_url(obj.noisy)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_output_url(self, obj: DenoiseRequest) -> str | None:
        return self.file_url(obj.output)

