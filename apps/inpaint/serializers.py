from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.params import SEED_MAX
from apps.core.serializers import (
    FormFloatField,
    ImageRequestSerializer,
    JsonChoiceField,
    JsonFloatField,
    JsonIntegerField,
)
from apps.inpaint.models import InpaintRequest
from apps.inpaint.samples import SAMPLE_NAMES
from apps.inpaint.slots import COVERAGE_MAX, INPAINT_BASELINES, MASK_KINDS

MASK_HELP = (
    "a PNG of the image's size: white (any channel above 127) and not transparent = fill, black or transparent = "
    f"keep; or, as a plain form value, a mask kind to draw here: {', '.join(MASK_KINDS)}"
)
COVERAGE_HELP = (
    f"share of the image a drawn mask removes, in (0, {COVERAGE_MAX:g}]; default: the kind's own "
    "(centre: a square of half the side, boxes and freeform 0.25, pixels 0.5); ignored for a PNG mask"
)
SEED_HELP = "chooses the drawn mask (the same seed draws the same mask); drawn at random when omitted"


@extend_schema_field({"type": "string", "format": "binary", "description": MASK_HELP})
class MaskField(serializers.Field):
    """A mask PNG (an uploaded file) or a mask kind's name (a plain form value): ("file", bytes) or ("kind", name)."""

    def to_internal_value(self, data):
        if isinstance(data, UploadedFile):
            return ("file", data.read())
        if isinstance(data, str):
            if data not in MASK_KINDS:
                raise serializers.ValidationError(
                    f"must be a PNG file or one of {', '.join(MASK_KINDS)}, not {data[:40]!r}"
                )
            return ("kind", data)
        raise serializers.ValidationError("must be a PNG file or the name of a mask kind")


@extend_schema_field(
    {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": COVERAGE_MAX, "description": COVERAGE_HELP}
)
class FormCoverageField(FormFloatField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not 0 < value <= COVERAGE_MAX:
            raise serializers.ValidationError(f"must be in (0, {COVERAGE_MAX:g}], not {value:g}")
        return value


class InpaintCreateSerializer(serializers.Serializer):
    """Multipart input: an image file or a sample's name (exactly one), and a mask (a PNG or a kind's name)."""

    image = serializers.FileField(
        required=False, allow_empty_file=True, help_text="PNG, JPEG, WebP, BMP, TIFF or GIF (one frame)"
    )
    sample = serializers.ChoiceField(
        choices=list(SAMPLE_NAMES), required=False,
        help_text="use this sample instead of an upload: a Fashion-MNIST test item (item-<n>) or a photo",
    )  # fmt: skip
    mask = MaskField(help_text=MASK_HELP)
    coverage = FormCoverageField(required=False, help_text=COVERAGE_HELP)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=SEED_MAX, help_text=SEED_HELP)

    def validate(self, attrs: dict) -> dict:
        if "image" in attrs and "sample" in attrs:
            raise serializers.ValidationError({"image": ["send an image file or a sample name, not both"]})
        if "image" not in attrs and "sample" not in attrs:
            raise serializers.ValidationError({"image": ["send an image file or a sample name"]})
        return attrs


class InpaintCreateJsonSerializer(serializers.Serializer):
    """JSON input: a sample and a mask kind drawn here (a painted mask needs the multipart form)."""

    sample = JsonChoiceField(
        choices=list(SAMPLE_NAMES), help_text="a Fashion-MNIST test item (item-<n>) or a photo sample"
    )
    mask = JsonChoiceField(choices=list(MASK_KINDS), help_text="the mask kind to draw")
    coverage = JsonFloatField(
        exclusive_min=0.0, max_value=COVERAGE_MAX, required=False, allow_null=True, default=None,
        help_text=COVERAGE_HELP,
    )  # fmt: skip
    seed = JsonIntegerField(
        min_value=0, max_value=SEED_MAX, required=False, allow_null=True, default=None, help_text=SEED_HELP
    )


class InpaintBaselineSerializer(serializers.Serializer):
    psnr = serializers.FloatField(allow_null=True, help_text="whole image, dB (null: identical to the input)")
    ssim = serializers.FloatField(allow_null=True)
    psnr_masked = serializers.FloatField(allow_null=True, help_text="over the filled pixels only, dB")
    url = serializers.CharField(allow_null=True, help_text="the baseline's filled image (PNG)")


class InpaintRequestSerializer(ImageRequestSerializer):
    detail_route, page_route = "api-inpaint-detail", "inpaint:result"

    mask_url = serializers.SerializerMethodField()
    masked_url = serializers.SerializerMethodField()
    output_url = serializers.SerializerMethodField()
    baselines = serializers.SerializerMethodField()

    class Meta:
        model = InpaintRequest
        fields = [
            "id", "status", "progress", "message", "error", "job", "url", "page_url",
            "input_url", "mask_url", "masked_url", "output_url", "sample",
            "mask_kind", "mask_coverage", "mask_seed", "coverage", "psnr", "ssim", "psnr_masked", "baselines",
            "baselines_skipped",
            "width", "height", "mode", "format", "converted", "seconds", "model", "created_at", "expires_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_mask_url(self, obj: InpaintRequest) -> str | None:
        return self.file_url(obj.mask)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_masked_url(self, obj: InpaintRequest) -> str | None:
        return self.file_url(obj.masked)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_output_url(self, obj: InpaintRequest) -> str | None:
        return self.file_url(obj.output)

    @extend_schema_field(serializers.DictField(child=InpaintBaselineSerializer()))
    def get_baselines(self, obj: InpaintRequest) -> dict:
        return baselines_with_urls(obj)


def baselines_with_urls(obj: InpaintRequest) -> dict:
    """{name: {"psnr", "ssim", "psnr_masked", "url"}} in INPAINT_BASELINES' order (then any other name).

    Not the stored dict's order: PostgreSQL's jsonb keeps keys sorted by length, not as the worker wrote them."""
    from django.conf import settings

    files = obj.baselines_files or {}
    found = obj.baselines or {}
    order = [name for name in INPAINT_BASELINES if name in found] + sorted(set(found) - set(INPAINT_BASELINES))
    return {
        name: {
            **{key: found[name].get(key) for key in ("psnr", "ssim", "psnr_masked")},
            "url": f"{settings.MEDIA_URL}{files[name]}" if files.get(name) else None,
        }
        for name in order
    }
