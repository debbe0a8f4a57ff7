"""The inpainting REST endpoints: thin views over services and selectors, one error shape."""

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
from apps.inpaint import selectors, services
from apps.inpaint.serializers import InpaintCreateJsonSerializer, InpaintCreateSerializer, InpaintRequestSerializer

ERRORS = error_responses(400, 409, 429, 503)


class UploadRateThrottle(ScopedThrottle):
    """Per client (user, else IP address), at the view's scope's rate, counted in the shared cache."""


class InpaintCreateApi(APIView):
    parser_classes = [JsonParser, MultiPartParser, FormParser]
    throttle_classes = [AnonThrottle, UserThrottle, UploadRateThrottle]
    throttle_scope = "uploads"

    @staticmethod
    def body_max_bytes() -> int:
        """An image and its mask, each up to the upload limit, plus the multipart envelope: a larger body is a
        413 before it is read."""
        return 2 * settings.AEWEB_UPLOAD_MAX_BYTES + settings.AEWEB_UPLOAD_OVERHEAD_BYTES

    @extend_schema(
        request={
            "multipart/form-data": InpaintCreateSerializer,
            "application/json": OpenApiRequest(InpaintCreateJsonSerializer),
        },
        responses={202: InpaintRequestSerializer, **ERRORS, **error_responses(413)},
        summary="Fill the masked part of an uploaded image or a sample",
        description="Multipart: `image` (a file) or `sample`, and `mask`: a PNG of the image's size (white and "
        "opaque = fill) or the name of a mask kind drawn here (`centre`, `boxes`, `pixels`, `freeform`, with "
        "`coverage` and `seed`). JSON: `sample` and a mask kind. 202 with the request; `GET url` follows it. "
        "400 names the field (a mask of another size, an empty or full mask, not a PNG, a broken image); 409 "
        "when no model for this kind of image is active (a 28×28 grey image goes to the Fashion-MNIST items "
        "model, anything else to the photo model).",
    )
    def post(self, request):
        if request.content_type.startswith("application/json"):
            data = validated(InpaintCreateJsonSerializer, request.data)
            upload, mask = None, ("kind", data["mask"])
        else:
            data = validated(InpaintCreateSerializer, request.data)
            upload, mask = data.get("image"), data["mask"]
        created = services.inpaint_request_create(
            data=upload.read() if upload is not None else None,
            name=getattr(upload, "name", ""),
            sample=data.get("sample", ""),
            mask_data=mask[1] if mask[0] == "file" else None,
            mask_kind=mask[1] if mask[0] == "kind" else "",
            coverage=data.get("coverage"),
            seed=data.get("seed"),
            user=request.user,
            client=client_ident(request),  # pays the image's pixels from its hourly budget
        )
        if created.job is not None:
            session_job_remember(request, created.job)
        return Response(InpaintRequestSerializer(created).data, status=status.HTTP_202_ACCEPTED)


class InpaintDetailApi(APIView):
    @extend_schema(
        responses={200: InpaintRequestSerializer, **error_responses(404, 429)},
        summary="An inpainting request and its result: the fill, the baselines' fills, PSNR/SSIM",
    )
    def get(self, request, request_id):
        return Response(InpaintRequestSerializer(selectors.inpaint_request_get(request_id=request_id)).data)
