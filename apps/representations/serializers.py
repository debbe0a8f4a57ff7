"""Input and output shapes of the representations API (DESIGN.md "Public interfaces").

The big responses (a map's 10,000 points, the figures tables) are built as plain dicts by the
views; these serializers state their shape for the OpenAPI schema, which a test holds them to.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.item_uploads import INVERT_CHOICES
from apps.core.serializers import JsonFloatField, PageQuerySerializer, PageSerializer
from apps.representations.ml.config import DATASETS
from apps.representations.slots import SLOTS

POINT_MAX = 1e6  # a code coordinate beyond this is no point of any map
EMBEDDING_MAX = 10_000  # the test split of Fashion-MNIST and MNIST

# --- input ---------------------------------------------------------------------------------------


class DatasetQueryField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            choices=list(DATASETS),
            required=False,
            allow_blank=True,
            default="",
            help_text="fashion-mnist or mnist (default: Fashion-MNIST, or the data set that has versions)",
            **kwargs,
        )


class RepresentationQuerySerializer(PageQuerySerializer):
    page_size = serializers.IntegerField(min_value=1, max_value=200, default=50)
    dataset = DatasetQueryField()


class CompareQuerySerializer(serializers.Serializer):
    dataset = DatasetQueryField()


class EmbeddingQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=EMBEDDING_MAX, default=EMBEDDING_MAX, help_text="the first `limit` test images"
    )


class DecodeRequestSerializer(serializers.Serializer):
    point = serializers.ListField(
        child=JsonFloatField(min_value=-POINT_MAX, max_value=POINT_MAX),
        min_length=2,
        max_length=2,
        help_text="[x, y] in the version's 2-D code space (the map's coordinates)",
    )


class EncodeRequestSerializer(serializers.Serializer):
    image = serializers.FileField(
        help_text="PNG, JPEG, WebP, BMP, GIF or TIFF, at least 28×28 (a bigger one is resized to 28×28)"
    )
    invert = serializers.ChoiceField(
        choices=list(INVERT_CHOICES),
        default="auto",
        help_text="auto: invert when the background is light (the data sets' items are light on black)",
    )


# --- output --------------------------------------------------------------------------------------


class AbilitiesSerializer(serializers.Serializer):
    map = serializers.BooleanField(help_text="has a 2-D map of the test images (embedding)")
    decode = serializers.BooleanField(help_text="a point of its 2-D code decodes to an image")
    encode = serializers.BooleanField(help_text="an image encodes to a code")


class VersionUrlsSerializer(serializers.Serializer):
    embedding = serializers.CharField()
    decode = serializers.CharField()
    encode = serializers.CharField()


class RepresentationVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    dataset = serializers.CharField()
    model = serializers.ChoiceField(choices=list(SLOTS), help_text="the autoencoder type or baseline")
    slot = serializers.CharField()
    title = serializers.CharField()
    version = serializers.IntegerField(help_text="numbered per data set and model")
    code = serializers.IntegerField(allow_null=True, help_text="code size (2 for a map)")
    is_active = serializers.BooleanField()
    abilities = AbilitiesSerializer()
    metrics = serializers.DictField(child=serializers.JSONField(), help_text="the trainer's figures")
    urls = VersionUrlsSerializer()
    created_at = serializers.DateTimeField()


class RepresentationPageSerializer(PageSerializer):
    dataset = serializers.CharField()
    maps = serializers.ListField(
        child=serializers.IntegerField(), help_text="the versions the wardrobe shows as maps, in its order"
    )
    results = RepresentationVersionSerializer(many=True)


class PointSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="the image's index in the test split")
    x = serializers.FloatField()
    y = serializers.FloatField()
    label = serializers.IntegerField(help_text="class index (class_names[label])")


@extend_schema_field(
    {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2, "description": "[low, high]"}
)
class IntervalField(serializers.ListField):
    child = serializers.FloatField()


class RangeSerializer(serializers.Serializer):
    x = IntervalField()
    y = IntervalField()


class EmbeddingSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    dataset = serializers.CharField()
    model = serializers.CharField()
    title = serializers.CharField()
    count = serializers.IntegerField(help_text="points in this response")
    total = serializers.IntegerField(help_text="points in the map")
    range = RangeSerializer(help_text="the map's extent over all its points")
    class_names = serializers.ListField(child=serializers.CharField())
    points = PointSerializer(many=True)


class CodeRangeSerializer(serializers.Serializer):
    low = serializers.ListField(child=serializers.FloatField())
    high = serializers.ListField(child=serializers.FloatField())


class DecodeResponseSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    point = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    extrapolated = serializers.BooleanField(
        help_text="the point lies outside the box of the test images' codes: the decoder never saw codes there"
    )
    range = CodeRangeSerializer(
        allow_null=True, help_text="the box of the test images' codes, per dimension (null: not recorded)"
    )
    image = serializers.CharField(help_text="the decoded 28×28 image as a data:image/png;base64 URL")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class PositionSerializer(serializers.Serializer):
    x = serializers.FloatField()
    y = serializers.FloatField()


class EncodeResponseSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    code = serializers.ListField(child=serializers.FloatField())
    code_size = serializers.IntegerField()
    position = PositionSerializer(allow_null=True, help_text="where it lands in the version's map (2-D codes only)")
    extrapolated = serializers.BooleanField(help_text="its code lies outside the box of the test images' codes")
    notes = serializers.ListField(child=serializers.CharField(), help_text="what was done to the image first")
    image = serializers.CharField(help_text="the 28×28 image that was encoded, as a data URL")
    reconstruction = serializers.CharField(allow_null=True, help_text="its code decoded again, as a data URL")


# --- the figures tables --------------------------------------------------------------------------


class RowHeadSerializer(serializers.Serializer):
    model = serializers.CharField()
    title = serializers.CharField()
    version = serializers.IntegerField()
    code = serializers.IntegerField(allow_null=True)


class ReconPointSerializer(serializers.Serializer):
    code = serializers.IntegerField()
    error = serializers.FloatField()
    version = serializers.IntegerField(help_text="the version that measured it")


class ReconSeriesSerializer(serializers.Serializer):
    model = serializers.CharField()
    title = serializers.CharField()
    points = ReconPointSerializer(many=True)


class ReconTableSerializer(serializers.Serializer):
    code_sizes = serializers.ListField(child=serializers.IntegerField())
    series = ReconSeriesSerializer(many=True)


class ProbeCellSerializer(serializers.Serializer):
    labels = serializers.CharField(help_text='labelled examples per class: "10", "100", "1000" or "all"')
    probe_acc = serializers.FloatField(allow_null=True, help_text="linear probe's test accuracy")
    probe_std = serializers.FloatField(allow_null=True)
    knn_acc = serializers.FloatField(allow_null=True, help_text="k-nearest neighbours' test accuracy")
    knn_std = serializers.FloatField(allow_null=True)


class ProbeRowSerializer(RowHeadSerializer):
    cells = ProbeCellSerializer(many=True)


class MapRowSerializer(RowHeadSerializer):
    knn_acc = serializers.FloatField(allow_null=True, help_text="kNN accuracy in the 2-D map")
    trustworthiness = serializers.FloatField(allow_null=True)
    continuity = serializers.FloatField(allow_null=True)
    fit_seconds = serializers.FloatField(allow_null=True)
    ms_per_image = serializers.FloatField(allow_null=True, help_text="placing one new image, where possible")


class SparsityRowSerializer(RowHeadSerializer):
    mean_activation = serializers.FloatField(allow_null=True)
    active_fraction = serializers.FloatField(allow_null=True)
    dead_fraction = serializers.FloatField(allow_null=True)


class GanRowSerializer(RowHeadSerializer):
    frechet = serializers.FloatField(allow_null=True, help_text="Fréchet distance of samples to test images")
    precision = serializers.FloatField(allow_null=True)
    recall = serializers.FloatField(allow_null=True)
    class_coverage = serializers.FloatField(allow_null=True, help_text="classes given at least 1 % of the samples")
    class_max_share = serializers.FloatField(allow_null=True, help_text="the largest class's share of the samples")
    test_recon_error = serializers.FloatField(allow_null=True)
    fit_seconds = serializers.FloatField(allow_null=True)


class CompareSerializer(serializers.Serializer):
    dataset = serializers.CharField()
    labels_per_class = serializers.ListField(child=serializers.CharField())
    reconstruction = ReconTableSerializer(help_text="test reconstruction error against code size, per type and PCA")
    probes = ProbeRowSerializer(many=True, help_text="feature learning: accuracy by labelled examples per class")
    maps = MapRowSerializer(many=True, help_text="the 2-D maps' scores and times")
    sparsity = SparsityRowSerializer(many=True)
    ae_vs_gan = GanRowSerializer(many=True, help_text="sample quality and coverage, VAE against GAN")
