"""Input and output shapes of the anomaly API (what the OpenAPI schema shows)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.anomaly.ml.config import IMAGE_DATASETS, IMAGE_MODELS, SERIES_DEFAULT, SERIES_MODELS
from apps.anomaly.models import AnomalyRun
from apps.anomaly.slots import TABLE_EXAMPLES
from apps.core.serializers import FormFloatField, JobStateSerializer, JsonChoiceField, JsonIntegerField


@extend_schema_field({"type": "array", "items": {"type": "string"}, "description": "column names"})
class ColumnsField(serializers.Field):
    """Column names: repeated form fields, a comma-separated text, or a JSON list."""

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            return values if len(values) > 1 else values[0]
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [part.strip() for part in data.split(",") if part.strip()]
        if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
            raise serializers.ValidationError("must be column names: a list, or text separated by commas")
        return data

    def to_representation(self, value):
        return value


class TableCreateSerializer(serializers.Serializer):
    """Multipart input: a CSV with a header row, or a shipped example's name (exactly one)."""

    file = serializers.FileField(required=False, allow_empty_file=True, help_text="a CSV file with a header row")
    example = serializers.ChoiceField(choices=list(TABLE_EXAMPLES), required=False, help_text="a shipped table")
    columns = ColumnsField(required=False, help_text="the columns to use (default: every numeric column)")
    label_column = serializers.CharField(
        required=False, allow_blank=True, help_text="a column saying which rows are anomalies, for evaluation only"
    )
    contamination = FormFloatField(
        required=False, min_value=0.0001, max_value=0.4999,
        help_text="share of rows to flag; omit for the automatic threshold",
    )  # fmt: skip

    def validate(self, attrs: dict) -> dict:
        if ("file" in attrs) == ("example" in attrs):
            raise serializers.ValidationError({"file": ["send a CSV file or the name of an example, not both"]})
        return attrs


class SeriesCreateSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, allow_empty_file=True, help_text="a CSV file (a header row, or "
                                 "one unnamed column of numbers)")  # fmt: skip
    series = serializers.CharField(
        required=False, help_text="a shipped series: ucr-135, ecg-diff-count-3, yahoo, mitdb"
    )
    column = serializers.CharField(required=False, allow_blank=True, help_text="the column of values (default: "
                                   "the first numeric one)")  # fmt: skip
    label_column = serializers.CharField(required=False, allow_blank=True, help_text="1 marks anomalous points")
    model = serializers.ChoiceField(choices=list(SERIES_MODELS), required=False, default=SERIES_DEFAULT)
    window = serializers.IntegerField(required=False, min_value=4, max_value=1000, help_text="default: the period")
    contamination = FormFloatField(required=False, min_value=0.0001, max_value=0.4999)

    def validate(self, attrs: dict) -> dict:
        if ("file" in attrs) == ("series" in attrs):
            raise serializers.ValidationError({"file": ["send a CSV file or the name of a shipped series, not both"]})
        return attrs


class TableScoreSerializer(serializers.Serializer):
    rows = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=1000,
        help_text="the new rows as objects {column: value}, with the table's columns",
    )  # fmt: skip


class ImageScoreSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="an image (28×28 PNG best; larger ones are resized)")
    dataset = serializers.ChoiceField(choices=list(IMAGE_DATASETS), default="fashion-mnist")
    normal_class = serializers.IntegerField(min_value=0, max_value=9, help_text="the class the model knows as normal")
    model = serializers.ChoiceField(choices=list(IMAGE_MODELS), default="conv")
    invert = serializers.ChoiceField(choices=["auto", "yes", "no"], default="auto")


class ImageScoreJsonSerializer(serializers.Serializer):
    """The same as JSON, with a test image's index instead of an upload (the page's examples)."""

    dataset = JsonChoiceField(choices=list(IMAGE_DATASETS), default="fashion-mnist")
    normal_class = JsonIntegerField(min_value=0, max_value=9)
    model = JsonChoiceField(choices=list(IMAGE_MODELS), default="conv")
    test_index = JsonIntegerField(min_value=0, max_value=9999)


class RunSerializer(JobStateSerializer):
    job_missing = "the job of this run was deleted"
    url = serializers.SerializerMethodField()
    scores_url = serializers.SerializerMethodField()
    threshold = serializers.SerializerMethodField()
    metrics = serializers.SerializerMethodField()
    baselines = serializers.SerializerMethodField()

    def get_url(self, obj: AnomalyRun) -> str:
        name = "api-anomaly-table" if obj.kind == AnomalyRun.TABLE else "api-anomaly-series"
        return reverse(name, args=[obj.id])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_scores_url(self, obj: AnomalyRun) -> str | None:
        from django.conf import settings

        return f"{settings.MEDIA_URL}{obj.scores}" if obj.scores else None

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_threshold(self, obj: AnomalyRun) -> dict | None:
        return (obj.summary or {}).get("threshold")

    @extend_schema_field(serializers.JSONField())
    def get_metrics(self, obj: AnomalyRun) -> dict:
        return (obj.summary or {}).get("metrics", {})


class TableRunSerializer(RunSerializer):
    """`columns`: each column's role and note; `top`: the most anomalous rows with each column's share of the
    score; `baselines`: PyOD's detectors on the same rows (ROC-AUC / average precision with a label column)."""

    columns = serializers.SerializerMethodField()
    top = serializers.SerializerMethodField()
    histogram = serializers.SerializerMethodField()
    sorted_scores = serializers.SerializerMethodField()
    detector = serializers.SerializerMethodField()
    detectors = serializers.SerializerMethodField()

    class Meta:
        model = AnomalyRun
        fields = [
            "id", "status", "progress", "message", "error", "job", "url", "source", "original_name", "rows",
            "columns", "scores_url", "threshold", "top", "metrics", "baselines", "detector", "detectors", "histogram",
            "sorted_scores", "created_at", "expires_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.JSONField())
    def get_columns(self, obj: AnomalyRun) -> list:
        return (obj.summary or {}).get("plan", [])

    @extend_schema_field(serializers.JSONField())
    def get_top(self, obj: AnomalyRun) -> list:
        return (obj.summary or {}).get("top", [])

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_histogram(self, obj: AnomalyRun) -> dict | None:
        return (obj.summary or {}).get("histogram")

    @extend_schema_field(serializers.ListField(child=serializers.FloatField()))
    def get_sorted_scores(self, obj: AnomalyRun) -> list:
        return (obj.summary or {}).get("sorted_scores", [])

    def get_detector(self, obj: AnomalyRun) -> str:
        return (obj.summary or {}).get("detector", "")

    @extend_schema_field(serializers.JSONField())
    def get_detectors(self, obj: AnomalyRun) -> dict:
        """Every detector's figures on this table, ours first (the served one is `detector`)."""
        return (obj.summary or {}).get("detectors", {})

    @extend_schema_field(serializers.JSONField())
    def get_baselines(self, obj: AnomalyRun) -> dict:
        detectors = (obj.summary or {}).get("detectors", {})
        ours = (obj.params.get("config") or {}).get("detectors", [])
        return {name: figures for name, figures in detectors.items() if name not in ours}


class SeriesRunSerializer(RunSerializer):
    """`chart`: the series (downsampled to a few thousand points) with the scores; `ranges`: flagged ranges
    [start, end) of point indices; `labelled_ranges` where the series has labels."""

    ranges = serializers.SerializerMethodField()
    labelled_ranges = serializers.SerializerMethodField()
    chart = serializers.SerializerMethodField()
    window = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()

    class Meta:
        model = AnomalyRun
        fields = [
            "id", "status", "progress", "message", "error", "job", "url", "source", "original_name", "title", "rows",
            "window", "scores_url", "threshold", "ranges", "labelled_ranges", "metrics", "baselines", "chart",
            "created_at", "expires_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ListField(child=serializers.IntegerField())))
    def get_ranges(self, obj: AnomalyRun) -> list:
        return (obj.summary or {}).get("ranges", [])

    @extend_schema_field(serializers.ListField(child=serializers.ListField(child=serializers.IntegerField())))
    def get_labelled_ranges(self, obj: AnomalyRun) -> list:
        return (obj.summary or {}).get("labelled_ranges", [])

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_chart(self, obj: AnomalyRun) -> dict | None:
        return (obj.summary or {}).get("chart")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_window(self, obj: AnomalyRun) -> int | None:
        return (obj.summary or {}).get("window")

    def get_title(self, obj: AnomalyRun) -> str:
        return (obj.summary or {}).get("title") or obj.original_name

    @extend_schema_field(serializers.JSONField())
    def get_baselines(self, obj: AnomalyRun) -> dict:
        return (obj.summary or {}).get("baselines", {})


class ImageResultsSerializer(serializers.Serializer):
    dataset = serializers.CharField()
    classes = serializers.JSONField()
    models = serializers.JSONField(help_text="per active model: `auc` per class, `auc_mean`, `seconds_per_class`")
    baselines = serializers.JSONField(help_text="the baselines measured in the same job as the models")
