from __future__ import annotations

import re
import uuid
from typing import Any

from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from apps.core import registry
from apps.core.models import Job, JobStatus, ModelVersion
from apps.core.pagination import PAGE_SIZE_MAX
from apps.core.selectors import job_eta_seconds


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The input checked by `serializer_class` (a request body or query parameters), or a 400 naming the field."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def error_responses(*codes: int) -> dict[int, type[ErrorSerializer]]:
    """The documented error responses of an endpoint: {status: ErrorSerializer}."""
    return {code: ErrorSerializer for code in codes}


# --- strict JSON fields ------------------------------------------------------------------------
# DRF's fields coerce: IntegerField takes "3", FloatField takes true and "3", CharField takes 3. In a
# JSON body the type is part of the contract the schema states, so these refuse what is not already
# of the JSON type. Query strings and multipart forms hold only text: they keep DRF's own fields.


def _type_refuse(field: serializers.Field, data, expected: str) -> None:
    raise serializers.ValidationError(f"must be {expected}, not {type(data).__name__} {data!r}"[:200])


class FormFloatField(serializers.FloatField):
    """A number in a form: an empty value is refused like any other non-number (DRF would drop it), so the
    field is either left out or a number, as the schema says."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name, None) == "":
            return ""
        return super().get_value(dictionary)


class JsonIntegerField(serializers.IntegerField):
    """A JSON integer (2.0 counts: JSON does not tell them apart); a string or a boolean is refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            _type_refuse(self, data, "an integer")
        return super().to_internal_value(data)


class JsonFloatField(serializers.FloatField):
    """A JSON number; a string or a boolean is refused. `exclusive_min`: the number must be above it
    (the schema says `exclusiveMinimum`), e.g. a temperature in (0, 3]."""

    def __init__(self, *, exclusive_min: float | None = None, **kwargs) -> None:
        # Checked here, not by a min_value validator: drf-spectacular drops exclusiveMinimum beside one.
        self.exclusive_min = exclusive_min
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            _type_refuse(self, data, "a number")
        value = super().to_internal_value(data)
        if self.exclusive_min is not None and value <= self.exclusive_min:
            high = f"{self.max_value:g}]" if self.max_value is not None else "∞)"
            raise serializers.ValidationError(f"must be in ({self.exclusive_min:g}, {high}, not {value:g}")
        return value


class JsonCharField(serializers.CharField):
    """A JSON string; a number or a boolean is refused."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            _type_refuse(self, data, "a string")
        return super().to_internal_value(data)


class JsonChoiceField(serializers.ChoiceField):
    """One of the (string) choices, given as a JSON string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            _type_refuse(self, data, "a string")
        return super().to_internal_value(data)


UUID_TEXT = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


@extend_schema_field({"type": "string", "pattern": f"^({UUID_TEXT})?$"})
class UuidOrBlankField(serializers.Field):
    """A query filter by id: a UUID written out (8-4-4-4-12 hex digits), or empty for "any" (None)."""

    def to_internal_value(self, data) -> uuid.UUID | None:
        if not isinstance(data, str):
            _type_refuse(self, data, "a string")
        if data == "":
            return None
        if not re.fullmatch(UUID_TEXT, data):
            raise serializers.ValidationError("must be an id such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301, or empty")
        return uuid.UUID(data)

    def to_representation(self, value) -> str:
        return str(value) if value else ""


class JsonFloatFieldSchema(OpenApiSerializerFieldExtension):
    """The schema of JsonFloatField: DRF's number, with `exclusiveMinimum` where the field has one."""

    target_class = JsonFloatField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if self.target.exclusive_min is not None:
            schema.update(minimum=self.target.exclusive_min, exclusiveMinimum=True)  # OpenAPI 3.0's spelling
        return schema


class PageQuerySerializer(serializers.Serializer):
    """?page=&page_size= of every paged list; subclasses change the default size."""

    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=PAGE_SIZE_MAX, default=20)


class PageSerializer(serializers.Serializer):
    """The numbers of a page (apps.core.pagination.Page.body); subclasses add `results` and context fields."""

    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.IntegerField(allow_null=True, help_text="the next page's number")
    previous = serializers.IntegerField(allow_null=True)


class JobStateSerializer(serializers.ModelSerializer):
    """`status`, `progress`, `message`, `error` and `job` of a row whose work runs as a job (a denoising request, an
    anomaly run): its job's, or "failed" once the job row is gone. Subclasses add their Meta."""

    status = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    job = serializers.UUIDField(source="job_id", read_only=True, allow_null=True)
    job_missing = "the job of this request was deleted"

    @extend_schema_field(serializers.ChoiceField(choices=list(JobStatus.values)))
    def get_status(self, obj) -> str:
        return obj.job.status if obj.job else JobStatus.FAILED.value

    def get_progress(self, obj) -> float:
        return obj.job.progress if obj.job else 0.0

    def get_message(self, obj) -> str:
        return obj.job.message if obj.job else ""

    def get_error(self, obj) -> str:
        return obj.job.error if obj.job else self.job_missing


class ImageModelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    dataset = serializers.CharField()


class ImageRequestSerializer(JobStateSerializer):
    """An image request (apps.core.models.ImageRequest: denoising, inpainting, segmentation): its job's state,
    `url` (this API), `page_url` (its result page), `input_url` and the `model` it was queued for.

    Subclasses set `detail_route` and `page_route` (URL names taking the request's id), list their Meta fields
    and add their own files with `file_url`."""

    detail_route = ""
    page_route = ""

    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    input_url = serializers.SerializerMethodField()
    model = serializers.SerializerMethodField()

    @staticmethod
    def file_url(field) -> str | None:
        """A FileField's URL, or None while the worker has not written it."""
        return field.url if field else None

    def get_url(self, obj) -> str:
        return reverse(self.detail_route, args=[obj.id])

    def get_page_url(self, obj) -> str:
        return reverse(self.page_route, args=[obj.id])

    @extend_schema_field(serializers.CharField())
    def get_input_url(self, obj) -> str | None:
        return self.file_url(obj.input)

    @extend_schema_field(ImageModelSerializer(allow_null=True))
    def get_model(self, obj) -> dict | None:
        v = obj.model_version
        return {"id": v.id, "version": v.version, "name": v.name, "dataset": v.dataset} if v else None


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    eta_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "url",
            "eta_seconds",
            "params",
            "history",
            "result",
            "error",
            "attempts",
            "queue",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
        ]
        read_only_fields = fields

    def get_url(self, job: Job) -> str:
        return reverse("api-job-detail", args=[job.id])

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_eta_seconds(self, job: Job) -> float | None:
        return job_eta_seconds(job)


class JobQuerySerializer(serializers.Serializer):
    # allow_blank: `?kind=` is "any kind" (as the models page's empty filter), and the schema says so.
    kind = serializers.CharField(required=False, allow_blank=True, max_length=64)
    status = serializers.ChoiceField(required=False, allow_blank=True, choices=JobStatus.choices)


class ModelQuerySerializer(serializers.Serializer):
    kind = serializers.CharField(required=False, allow_blank=True, max_length=32)
    dataset = serializers.CharField(required=False, allow_blank=True, max_length=100)


class JobCreateSerializer(serializers.Serializer):
    kind = JsonChoiceField(choices=[], help_text="what to train (`train KIND`): recommender, vae, denoiser, ...")
    dataset = JsonCharField(
        required=False, allow_blank=True, default="", help_text="a data set of that kind; empty: its default"
    )
    model = JsonCharField(
        required=False, allow_blank=True, default="", help_text="an architecture of that kind; empty: its default"
    )
    config = serializers.DictField(
        required=False,
        default=dict,
        help_text="training settings of that model (as `train KIND --set key=value`), checked by its config",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The apps register their trainings at start-up, after this module is imported.
        self.fields["kind"].choices = registry.training_names()


class ModelVersionSerializer(serializers.ModelSerializer):
    is_active = serializers.SerializerMethodField()
    job = serializers.UUIDField(source="job_id", read_only=True, allow_null=True)

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "kind",
            "dataset",
            "slot",
            "name",
            "version",
            "is_active",
            "config",
            "metrics",
            "baselines",
            "history",
            "artifacts",
            "card",
            "job",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_active(self, version: ModelVersion) -> bool:
        return version.id in self.context.get("active_ids", set())


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded"])
    checks = serializers.DictField(child=serializers.JSONField())


class TokenRequestSerializer(serializers.Serializer):
    username = JsonCharField()
    password = JsonCharField(style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
