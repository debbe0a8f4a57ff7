"""Input and output shapes of the gallery's API (the contract in DESIGN.md)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.params import SEED_MAX
from apps.core.selectors import ID_MAX
from apps.core.serializers import (
    JsonCharField,
    JsonChoiceField,
    JsonFloatField,
    JsonIntegerField,
    PageQuerySerializer,
    PageSerializer,
    UuidOrBlankField,
)
from apps.gallery.models import GeneratedImage, ImageKind
from apps.gallery.params import (
    COUNT_MAX,
    GRID_MAX,
    GRID_MIN,
    RECONSTRUCT_MAX,
    SPAN_MAX,
    STEPS_MAX,
    STEPS_MIN,
    TEMPERATURE_MAX,
)
from apps.gallery.slots import DATASETS

# --- input ---------------------------------------------------------------------------------------


class ImageQuerySerializer(PageQuerySerializer):
    page_size = serializers.IntegerField(min_value=1, max_value=100, default=24)
    label = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    model_version = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, allow_null=True, default=None
    )  # a larger id cannot be in the table and would overflow the database's integer
    kind = serializers.ChoiceField(choices=ImageKind.choices, required=False, allow_blank=True, default="")
    job = UuidOrBlankField(required=False, default=None, help_text="a job's id; empty: any job")
    dataset = serializers.ChoiceField(choices=list(DATASETS), required=False, allow_blank=True, default="")


class DatasetField(JsonChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            choices=list(DATASETS),
            required=False,
            allow_blank=True,
            default="",
            help_text="fashion-mnist or mnist (default: the one with an active model, Fashion-MNIST first)",
            **kwargs,
        )


class GenerateRequestSerializer(serializers.Serializer):
    count = JsonIntegerField(min_value=1, max_value=COUNT_MAX, default=16)
    seed = JsonIntegerField(
        min_value=0, max_value=SEED_MAX, required=False, allow_null=True, default=None, help_text="random if left out"
    )
    temperature = JsonFloatField(
        exclusive_min=0.0,
        max_value=TEMPERATURE_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text=f"in (0, {TEMPERATURE_MAX:g}]; scales the latent noise (default 1)",
    )
    label = JsonCharField(
        max_length=64,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text='a class name (any case) or index written as digits ("sneaker", "7"): samples from the '
        "class-conditional model",
    )
    dataset = DatasetField()


class InterpolateRequestSerializer(serializers.Serializer):
    start = JsonIntegerField(min_value=1, max_value=ID_MAX, help_text="a gallery image id")
    end = JsonIntegerField(min_value=1, max_value=ID_MAX, help_text="a gallery image id of the same model version")
    steps = JsonIntegerField(min_value=STEPS_MIN, max_value=STEPS_MAX, default=8)


class LatentMapRequestSerializer(serializers.Serializer):
    dataset = DatasetField()
    grid = JsonIntegerField(min_value=GRID_MIN, max_value=GRID_MAX, default=20)
    span = JsonFloatField(min_value=0.1, max_value=SPAN_MAX, default=2.5, help_text="the map covers ±span")


class ReconstructRequestSerializer(serializers.Serializer):
    dataset = DatasetField()
    count = JsonIntegerField(min_value=1, max_value=RECONSTRUCT_MAX, default=8)
    seed = JsonIntegerField(
        min_value=0, max_value=SEED_MAX, required=False, allow_null=True, default=None, help_text="picks test images"
    )


# --- output --------------------------------------------------------------------------------------


class GeneratedImageSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True)
    model_version = serializers.IntegerField(source="model_version_id", read_only=True)
    job = serializers.UUIDField(source="job_id", read_only=True, allow_null=True)
    latent = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedImage
        fields = [
            "id",
            "url",
            "kind",
            "seed",
            "temperature",
            "label",
            "latent",
            "model_version",
            "job",
            "position",
            "created",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_latent(self, image: GeneratedImage):
        return image.latent


class ImagePageSerializer(PageSerializer):
    results = GeneratedImageSerializer(many=True)
