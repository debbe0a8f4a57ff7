"""The anomaly app's REST endpoints: thin views over services and selectors, one error shape."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from drf_spectacular.utils import OpenApiRequest, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.anomaly import selectors, services
from apps.anomaly.ml.config import SERIES_DEFAULT
from apps.anomaly.models import AnomalyRun
from apps.anomaly.serializers import (
    ImageResultsSerializer,
    ImageScoreJsonSerializer,
    ImageScoreSerializer,
    SeriesCreateSerializer,
    SeriesRunSerializer,
    TableCreateSerializer,
    TableRunSerializer,
    TableScoreSerializer,
)
from apps.core.parsers import JsonParser
from apps.core.serializers import JobSerializer, error_responses, validated
from apps.core.session_jobs import session_job_remember
from apps.core.throttling import AnonThrottle, ScopedThrottle, UserThrottle

ERRORS = error_responses(400, 404, 409, 429, 503)


class UploadRateThrottle(ScopedThrottle):
    """Per client (user, else IP address), at the view's scope's rate, counted in the shared cache."""


def _upload_max_bytes() -> int:
    """The CSV limit plus the multipart envelope: a larger body is a 413 before it is read."""
    return settings.AEWEB_ANOMALY_MAX_BYTES + settings.AEWEB_UPLOAD_OVERHEAD_BYTES


class _UploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [AnonThrottle, UserThrottle, UploadRateThrottle]
    throttle_scope = "uploads"
    body_max_bytes = staticmethod(_upload_max_bytes)


def _accepted(request, run: AnomalyRun, serializer) -> Response:
    if run.job is not None:
        session_job_remember(request, run.job)
    return Response(serializer(run).data, status=status.HTTP_202_ACCEPTED)


class TableCreateApi(_UploadApi):
    @extend_schema(
        request={"multipart/form-data": TableCreateSerializer},
        responses={202: TableRunSerializer, **ERRORS, **error_responses(413)},
        summary="Find the anomalies in a table: upload a CSV (or pick the example)",
        description="Checks the CSV and its columns at once (400 naming the problem, nothing stored), then fits our "
        "autoencoder detectors and PyOD's Isolation Forest, ECOD and k-NN on every row in a training job. "
        "Follow `url` until `status` is `succeeded`.",
    )
    def post(self, request):
        data = validated(TableCreateSerializer, request.data)
        upload = data.get("file")
        run = services.table_run_create(
            data=upload.read() if upload is not None else None,
            name=getattr(upload, "name", ""),
            example=data.get("example", ""),
            columns=data.get("columns"),
            label_column=data.get("label_column", ""),
            contamination=data.get("contamination"),
            user=request.user,
        )
        return _accepted(request, run, TableRunSerializer)


class TableDetailApi(APIView):
    @extend_schema(responses={200: TableRunSerializer, **ERRORS}, summary="A table's scores, threshold and top rows")
    def get(self, request, run_id):
        return Response(TableRunSerializer(selectors.anomaly_run_get(run_id=run_id, kind=AnomalyRun.TABLE)).data)


class TableScoreApi(APIView):
    throttle_classes = [AnonThrottle, UserThrottle, UploadRateThrottle]
    throttle_scope = "uploads"

    @extend_schema(
        request=TableScoreSerializer,
        responses={202: JobSerializer, **ERRORS},
        summary="Score new rows with a table's fitted autoencoder",
        description="202 with the job (interactive queue); its result holds `scores`: per row `score` (0..1), "
        "`raw_score`, `flag` and `contributions` {column: share}, and the table's `threshold`.",
    )
    def post(self, request, run_id):
        # The rows are checked against the fitted table's columns by the service (400 naming the column).
        rows = request.data.get("rows") if isinstance(request.data, dict) else None
        job = services.table_rows_score(run_id=run_id, rows=rows, user=request.user)
        session_job_remember(request, job)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class SeriesCreateApi(_UploadApi):
    @extend_schema(
        request={"multipart/form-data": SeriesCreateSerializer},
        responses={202: SeriesRunSerializer, **ERRORS, **error_responses(413)},
        summary="Find the anomalies in a time series with the seq2seq autoencoder (upload a CSV or pick one)",
        description="Fits the sequence-to-sequence autoencoder over sliding windows and the matrix profile, "
        "sub-sequence Isolation Forest and sub-sequence PCA in a training job; per-point scores and flagged ranges.",
    )
    def post(self, request):
        data = validated(SeriesCreateSerializer, request.data)
        upload = data.get("file")
        run = services.series_run_create(
            data=upload.read() if upload is not None else None,
            name=getattr(upload, "name", ""),
            series=data.get("series", ""),
            column=data.get("column", ""),
            label_column=data.get("label_column", ""),
            model=data.get("model", SERIES_DEFAULT),
            window=data.get("window"),
            contamination=data.get("contamination"),
            user=request.user,
        )
        return _accepted(request, run, SeriesRunSerializer)


class SeriesDetailApi(APIView):
    @extend_schema(responses={200: SeriesRunSerializer, **ERRORS}, summary="A series' scores and flagged ranges")
    def get(self, request, run_id):
        return Response(SeriesRunSerializer(selectors.anomaly_run_get(run_id=run_id, kind=AnomalyRun.SERIES)).data)


class ImageResultsApi(APIView):
    @extend_schema(
        responses={200: ImageResultsSerializer(many=True)},
        summary="One-class results: ROC-AUC per normal class, our autoencoders beside the baselines",
    )
    def get(self, request):
        return Response(ImageResultsSerializer(selectors.image_results(), many=True).data)


@cache
def _test_images(dataset: str):
    from apps.core.ml.image_datasets import dataset_load

    images, _labels = dataset_load(dataset, "test", data_dir=settings.AEWEB_DATA_DIR or None)
    return images


class ImageScoreApi(APIView):
    parser_classes = [JsonParser, MultiPartParser, FormParser]
    throttle_classes = [AnonThrottle, UserThrottle, UploadRateThrottle]
    throttle_scope = "uploads"
    body_max_bytes = staticmethod(lambda: settings.AEWEB_UPLOAD_MAX_BYTES + settings.AEWEB_UPLOAD_OVERHEAD_BYTES)

    @extend_schema(
        request={
            "multipart/form-data": ImageScoreSerializer,
            "application/json": OpenApiRequest(ImageScoreJsonSerializer),
        },
        responses={202: JobSerializer, **ERRORS, **error_responses(413)},
        summary="Score a 28×28 image against a normal class (upload, or a test image by index)",
        description="202 with the job (interactive queue); its result holds `score` (higher = more anomalous), "
        "`calibrated` (the share of the class's training images that score lower), `flag` (above 99 % of them), "
        "`image_url` and `heatmap_url` (per-pixel error on the model's fixed scale).",
    )
    def post(self, request):
        from apps.core.item_uploads import image_upload_read

        if request.content_type.startswith("application/json"):
            data = validated(ImageScoreJsonSerializer, request.data)
            pixels = _test_images(data["dataset"])[data["test_index"]]
        else:
            data = validated(ImageScoreSerializer, request.data)
            pixels = image_upload_read(
                data=data["image"].read(), invert=data["invert"], max_bytes=settings.AEWEB_UPLOAD_MAX_BYTES,
                max_pixels=settings.AEWEB_UPLOAD_MAX_PIXELS,
            ).pixels  # fmt: skip
        job = services.image_score_start(
            pixels=[int(p) for p in pixels.reshape(-1)],
            dataset=data["dataset"],
            normal_class=data["normal_class"],
            model=data["model"],
            user=request.user,
        )
        session_job_remember(request, job)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
