"""The segmenter's REST endpoints: thin views over services and selectors, one error shape."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiRequest, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.parsers import JsonParser
from apps.core.serializers import error_responses, validated
from apps.core.session_jobs import session_job_remember
from apps.core.throttling import AnonThrottle, ScopedThrottle, UserThrottle, client_ident
from apps.segment import selectors, services
from apps.segment.serializers import SegmentRequestSerializer, SegmentSampleSerializer, SegmentUploadSerializer

ERRORS = error_responses(400, 404, 409, 429, 503)


class UploadRateThrottle(ScopedThrottle):
    """Per client (user, else IP address), at the view's scope's rate, counted in the shared cache."""


class SegmentCreateApi(APIView):
    parser_classes = [JsonParser, MultiPartParser, FormParser]
    throttle_classes = [AnonThrottle, UserThrottle, UploadRateThrottle]
    throttle_scope = "uploads"

    @staticmethod
    def body_max_bytes() -> int:
        """The upload limit plus the multipart envelope: a larger body is a 413 before it is read."""
        return settings.AEWEB_UPLOAD_MAX_BYTES + settings.AEWEB_UPLOAD_OVERHEAD_BYTES

    @extend_schema(
        request={
            "multipart/form-data": SegmentUploadSerializer,
            "application/json": OpenApiRequest(SegmentSampleSerializer),
        },
        responses={202: SegmentRequestSerializer, **ERRORS, **error_responses(413)},
        summary="Segment an uploaded image, a generated Fashionopolis scene or an ISBI EM slice",
        description='Multipart `image` (+ `dataset`: whose model), or JSON `{"sample": "scene", "seed": n}` / '
        '`{"sample": "em-<n>"}`. Checks the image at once (400 naming the problem, nothing stored), 409 when '
        "no model is active for the data set (or the sample's data is not on this server), then segments it in "
        "an interactive job. Follow `url` until `status` is `succeeded`: `mask_url`, `overlay_url`, `labels_url`, "
        "`classes` with the share of pixels of each, and `scores` against the true mask of a sample.",
    )
    def post(self, request):
        if request.content_type.startswith("application/json"):
            data = validated(SegmentSampleSerializer, request.data)
            created = services.segment_request_create(
                sample=data["sample"],
                seed=data.get("seed"),
                dataset=data.get("dataset"),
                user=request.user,
                client=client_ident(request),
            )
        else:
            data = validated(SegmentUploadSerializer, request.data)
            upload = data["image"]
            created = services.segment_request_create(
                data=upload.read(),
                name=getattr(upload, "name", ""),
                dataset=data["dataset"],
                user=request.user,
                client=client_ident(request),  # pays the image's pixels from its hourly budget
            )
        if created.job is not None:
            session_job_remember(request, created.job)
        return Response(SegmentRequestSerializer(created).data, status=status.HTTP_202_ACCEPTED)


class SegmentDetailApi(APIView):
    @extend_schema(responses={200: SegmentRequestSerializer, **ERRORS}, summary="A segmentation request and its result")
    def get(self, request, request_id):
        return Response(SegmentRequestSerializer(selectors.segment_request_get(request_id=request_id)).data)
