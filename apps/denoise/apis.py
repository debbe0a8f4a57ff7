"""The denoiser's REST endpoints: thin views over services and selectors, one error shape."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.serializers import JobSerializer, error_responses, validated
from apps.core.session_jobs import session_job_remember
from apps.core.throttling import AnonThrottle, ScopedThrottle, UserThrottle, client_ident
from apps.denoise import selectors, services
from apps.denoise.serializers import DaeDemoRequestSerializer, DenoiseCreateSerializer, DenoiseRequestSerializer

ERRORS = error_responses(400, 404, 409, 429, 503)
DEMO_ERRORS = error_responses(400, 409, 429, 503)


class UploadRateThrottle(ScopedThrottle):
    """Per client (user, else IP address), at the view's scope's rate, counted in the shared cache."""


class DenoiseCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [AnonThrottle, UserThrottle, UploadRateThrottle]
    throttle_scope = "uploads"

    @staticmethod
    def body_max_bytes() -> int:
        """The upload limit plus the multipart envelope: a larger body is a 413 before it is read."""
        return settings.AEWEB_UPLOAD_MAX_BYTES + settings.AEWEB_UPLOAD_OVERHEAD_BYTES

    @extend_schema(
        request={"multipart/form-data": DenoiseCreateSerializer},
        responses={202: DenoiseRequestSerializer, **ERRORS, **error_responses(413)},
        summary="Denoise an uploaded image or a sample (optionally adding noise first)",
    )
    def post(self, request):
        data = validated(DenoiseCreateSerializer, request.data)
        upload = data.get("image")
        created = services.denoise_request_create(
            data=upload.read() if upload is not None else None,
            name=getattr(upload, "name", ""),
            sample=data.get("sample", ""),
            sigma=data.get("sigma"),
            self_ensemble=data["self_ensemble"],
            user=request.user,
            client=client_ident(request),  # pays the image's pixels from its hourly budget
        )
        if created.job is not None:
            session_job_remember(request, created.job)
        return Response(DenoiseRequestSerializer(created).data, status=status.HTTP_202_ACCEPTED)


class DenoiseDetailApi(APIView):
    @extend_schema(responses={200: DenoiseRequestSerializer, **ERRORS}, summary="A denoising request and its result")
    def get(self, request, request_id):
        return Response(DenoiseRequestSerializer(selectors.denoise_request_get(request_id=request_id)).data)


class DaeDemoApi(APIView):
    """Start the 28×28 demo: noisy test images through the active denoising autoencoder.

    Open to anonymous visitors like the gallery's generation endpoints, and throttled the same way:
    the default per-client rates plus a scope of its own ("denoise-demo").
    """

    throttle_classes = [AnonThrottle, UserThrottle, UploadRateThrottle]
    throttle_scope = "denoise-demo"

    @extend_schema(
        request=DaeDemoRequestSerializer,
        responses={202: JobSerializer, **DEMO_ERRORS},
        summary="Denoise 1..32 noisy Fashion-MNIST/MNIST test images with the 28×28 denoising autoencoder",
        description="202 with the job; when it has succeeded its result holds `images` (each with `position`, "
        "`label`, `clean_url`, `noisy_url`, `denoised_url`), `psnr_noisy`, `psnr_denoised` and `model_version`.",
    )
    def post(self, request):
        job = services.dae_demo_start(**validated(DaeDemoRequestSerializer, request.data), user=request.user)
        session_job_remember(request, job)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class DaeDemoGalleryAliasApi(DaeDemoApi):
    """POST /api/gallery/denoise-demo/, where the demo lived before it moved to the denoise app.

    Deprecated: answers exactly as POST /api/denoise/demo/ (same body, same throttle), and says so
    in its headers."""

    @extend_schema(
        request=DaeDemoRequestSerializer,
        responses={202: JobSerializer, **DEMO_ERRORS},
        summary="Deprecated: use POST /api/denoise/demo/",
        description="Where the 28×28 demo lived when it was the gallery's. Takes the same body and answers the "
        "same as POST /api/denoise/demo/, with `Deprecation` and `Link` headers.",
        deprecated=True,
    )
    def post(self, request):
        response = super().post(request)
        response["Deprecation"] = "true"
        response["Link"] = f'<{reverse("api-denoise-demo")}>; rel="successor-version"'
        return response
