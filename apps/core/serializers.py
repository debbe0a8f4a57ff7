from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
    kind = serializers.CharField(required=False, max_length=64)
    status = serializers.ChoiceField(required=False, choices=JobStatus.choices)


class ModelQuerySerializer(serializers.Serializer):
    kind = serializers.CharField(required=False, max_length=32)
    dataset = serializers.CharField(required=False, max_length=100)


class JobCreateSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="what to train: recommender, vae, denoiser (`train KIND`)")
    dataset = serializers.CharField(required=False, allow_blank=True, default="")
    model = serializers.CharField(required=False, allow_blank=True, default="")
    config = serializers.DictField(required=False, default=dict)


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
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
