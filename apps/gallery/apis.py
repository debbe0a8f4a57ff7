"""The gallery's REST endpoints: thin views over services/selectors, explicit serializers.

Starting work is open to anonymous visitors but throttled per client (the "gallery" scope).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.core.pagination import page_get
from apps.core.serializers import JobSerializer, error_responses, validated
from apps.core.session_jobs import session_job_remember
from apps.core.throttling import ScopedThrottle
from apps.gallery import selectors, services
from apps.gallery.serializers import (
    GeneratedImageSerializer,
    GenerateRequestSerializer,
    ImagePageSerializer,
    ImageQuerySerializer,
    InterpolateRequestSerializer,
    LatentMapRequestSerializer,
    ReconstructRequestSerializer,
)

READ_ERRORS = error_responses(400, 404, 429)
START_ERRORS = error_responses(400, 403, 404, 409, 429, 503)


class _StartApi(APIView):
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedThrottle]
    throttle_scope = "gallery"

    def _accepted(self, job) -> Response:
        session_job_remember(self.request, job)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImageListApi(APIView):
    @extend_schema(
        operation_id="gallery_list",  # not "gallery_retrieve", the detail's (a warning in check --deploy)
        parameters=[ImageQuerySerializer],
        responses={200: ImagePageSerializer, **READ_ERRORS},
        summary="Generated images, newest first; filter by label, model version, kind or job",
    )
    def get(self, request):
        q = validated(ImageQuerySerializer, request.query_params)
        images = selectors.image_list(
            label=q["label"], model_version=q["model_version"], kind=q["kind"], job=q["job"], dataset=q["dataset"]
        )
        page = page_get(images, page=q["page"], page_size=q["page_size"])
        return Response(page.body(GeneratedImageSerializer(page.results, many=True).data))


class ImageDetailApi(APIView):
    @extend_schema(responses={200: GeneratedImageSerializer, **READ_ERRORS}, summary="One generated image")
    def get(self, request, image_id: int):
        return Response(GeneratedImageSerializer(selectors.image_get(image_id=image_id)).data)


class GenerateApi(_StartApi):
    @extend_schema(
        request=GenerateRequestSerializer,
        responses={202: JobSerializer, **START_ERRORS},
        summary="Generate 1..64 new images (seed, temperature, optional class label)",
    )
    def post(self, request):
        return self._accepted(
            services.gallery_generate_start(user=request.user, **validated(GenerateRequestSerializer, request.data))
        )


class InterpolateApi(_StartApi):
    @extend_schema(
        request=InterpolateRequestSerializer,
        responses={202: JobSerializer, **START_ERRORS},
        summary="An interpolation strip between two images of one model version (through their latent means)",
    )
    def post(self, request):
        data = validated(InterpolateRequestSerializer, request.data)
        return self._accepted(services.gallery_interpolate_start(user=request.user, **data))


class LatentMapApi(_StartApi):
    @extend_schema(
        request=LatentMapRequestSerializer,
        responses={202: JobSerializer, **START_ERRORS},
        summary="Decode a grid over the 2-D latent plane of the latent2d model",
    )
    def post(self, request):
        data = validated(LatentMapRequestSerializer, request.data)
        return self._accepted(services.gallery_latent_map_start(user=request.user, **data))


class ReconstructApi(_StartApi):
    @extend_schema(
        request=ReconstructRequestSerializer,
        responses={202: JobSerializer, **START_ERRORS},
        summary="Reconstruct test images: originals and reconstructions side by side",
    )
    def post(self, request):
        data = validated(ReconstructRequestSerializer, request.data)
        return self._accepted(services.gallery_reconstruct_start(user=request.user, **data))
