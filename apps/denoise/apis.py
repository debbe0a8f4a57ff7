"""The denoiser's REST endpoints: thin views over services and selectors, one error shape."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from apps.core.serializers import ErrorSerializer
from apps.denoise import selectors, services
from apps.denoise.serializers import DenoiseCreateSerializer, DenoiseRequestSerializer

ERRORS = {code: ErrorSerializer for code in (400, 404, 409, 429, 503)}


class UploadRateThrottle(ScopedRateThrottle):
    """Per client (user, else IP address), at the "uploads" rate read from settings on each request
    (DRF reads its rates once at import, which a test or a settings change could not move)."""

    def get_rate(self) -> str | None:
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(self.scope)


class DenoiseCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [AnonRateThrottle, UserRateThrottle, UploadRateThrottle]
    throttle_scope = "uploads"

    @extend_schema(
        request={"multipart/form-data": DenoiseCreateSerializer},
        responses={202: DenoiseRequestSerializer, **ERRORS},
        summary="Denoise an uploaded image or a sample (optionally adding noise first)",
    )
    def post(self, request):
        body = DenoiseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        upload = data.get("image")
        created = services.denoise_request_create(
            data=upload.read() if upload is not None else None,
            name=getattr(upload, "name", ""),
            sample=data.get("sample", ""),
            sigma=data.get("sigma"),
            user=request.user,
        )
        return Response(DenoiseRequestSerializer(created).data, status=status.HTTP_202_ACCEPTED)


class DenoiseDetailApi(APIView):
    @extend_schema(responses={200: DenoiseRequestSerializer, **ERRORS}, summary="A denoising request and its result")
    def get(self, request, request_id):
        return Response(DenoiseRequestSerializer(selectors.denoise_request_get(request_id=request_id)).data)
