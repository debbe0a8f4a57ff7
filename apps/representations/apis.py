"""The representations REST endpoints: thin views over selectors and serving, one error shape.

Decoding and encoding answer in this process from NumPy (no job): open to anonymous visitors,
throttled per client (the "representations" scope).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.core.ml.image_datasets import dataset_class_names
from apps.core.models import ModelVersion
from apps.core.pagination import page_get
from apps.core.selectors import active_version_ids
from apps.core.serializers import error_responses, validated
from apps.core.throttling import ScopedThrottle
from apps.representations import selectors, serving
from apps.representations.serializers import (
    CompareQuerySerializer,
    CompareSerializer,
    DecodeRequestSerializer,
    DecodeResponseSerializer,
    EmbeddingQuerySerializer,
    EmbeddingSerializer,
    EncodeRequestSerializer,
    EncodeResponseSerializer,
    RepresentationPageSerializer,
    RepresentationQuerySerializer,
)
from apps.representations.slots import slot_title

READ_ERRORS = error_responses(400, 404, 429)
MAP_ERRORS = error_responses(400, 404, 409, 429, 503)


def version_json(version: ModelVersion, active_ids: set[int]) -> dict:
    return {
        "id": version.id,
        "dataset": version.dataset,
        "model": version.name,
        "slot": version.slot,
        "title": slot_title(version.slot),
        "version": version.version,
        "code": selectors.version_code(version),
        "is_active": version.id in active_ids,
        "abilities": selectors.version_abilities(version),
        "metrics": version.metrics or {},
        "urls": {
            "embedding": reverse("api-representations-embedding", args=[version.id]),
            "decode": reverse("api-representations-decode", args=[version.id]),
            "encode": reverse("api-representations-encode", args=[version.id]),
        },
        "created_at": version.created_at.isoformat().replace("+00:00", "Z"),
    }


class _WorkApi(APIView):
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedThrottle]
    throttle_scope = "representations"


class RepresentationListApi(APIView):
    @extend_schema(
        operation_id="representations_list",
        parameters=[RepresentationQuerySerializer],
        responses={200: RepresentationPageSerializer, **READ_ERRORS},
        summary="Representation versions of a data set with their figures, newest first",
    )
    def get(self, request):
        q = validated(RepresentationQuerySerializer, request.query_params)
        dataset = q["dataset"] or selectors.representation_dataset_default()
        page = page_get(selectors.representation_versions(dataset=dataset), page=q["page"], page_size=q["page_size"])
        active = active_version_ids()
        maps = [v.id for v in selectors.map_versions(dataset=dataset)]
        return Response(page.body([version_json(v, active) for v in page.results], dataset=dataset, maps=maps))


class EmbeddingApi(APIView):
    @extend_schema(
        parameters=[EmbeddingQuerySerializer],
        responses={200: EmbeddingSerializer, **MAP_ERRORS},
        summary="A version's 2-D map of the test images: points {index, x, y, label}",
        description="409 (`no_map`) for a version without a 2-D map (its code is not 2-D).",
    )
    def get(self, request, version_id: int):
        q = validated(EmbeddingQuerySerializer, request.query_params)
        version = selectors.representation_version_get(version_id=version_id)
        embedding = serving.embedding_get(version)
        low, high = embedding.low, embedding.high
        points = embedding.rows[: q["limit"]]
        return Response(
            {
                "version": version.id,
                "dataset": version.dataset,
                "model": version.name,
                "title": slot_title(version.slot),
                "count": len(points),
                "total": len(embedding.rows),
                "range": {"x": [low[0], high[0]], "y": [low[1], high[1]]},
                "class_names": dataset_class_names(version.dataset),
                "points": points,
            }
        )


class DecodeApi(_WorkApi):
    @extend_schema(
        request=DecodeRequestSerializer,
        responses={200: DecodeResponseSerializer, **MAP_ERRORS},
        summary="Decode a point of a version's 2-D map into an image (a PNG data URL)",
        description="Answered at once from the version's NumPy decoder; nothing is stored. A point outside the "
        "box of the test images' codes is decoded too, with `extrapolated: true`. 409 (`no_decoder`) for a "
        "version without a 2-D decoder: t-SNE and UMAP maps, a code that is not 2-D.",
        examples=[OpenApiExample("a point", value={"point": [0.5, -1.2]}, request_only=True)],
    )
    def post(self, request, version_id: int):
        data = validated(DecodeRequestSerializer, request.data)  # a bad body is a 400 whatever the version
        version = selectors.representation_version_get(version_id=version_id)
        decoded = serving.point_decode(version=version, point=data["point"])
        return Response(
            {
                "version": version.id,
                "point": decoded.point,
                "extrapolated": decoded.extrapolated,
                "range": {"low": decoded.range[0], "high": decoded.range[1]} if decoded.range else None,
                "image": serving.png_data_url(decoded.pixels),
                "width": int(decoded.pixels.shape[1]),
                "height": int(decoded.pixels.shape[0]),
            }
        )


class EncodeApi(_WorkApi):
    parser_classes = [MultiPartParser, FormParser]

    @staticmethod
    def body_max_bytes() -> int:
        """The upload limit plus the multipart envelope: a larger body is a 413 before it is read."""
        return settings.AEWEB_UPLOAD_MAX_BYTES + settings.AEWEB_UPLOAD_OVERHEAD_BYTES

    @extend_schema(
        request={"multipart/form-data": EncodeRequestSerializer},
        responses={200: EncodeResponseSerializer, **MAP_ERRORS, **error_responses(413)},
        summary="Encode an image: its code, and where it lands in the version's 2-D map",
        description="A 28×28 image is used as it is; a bigger one is padded to a square and resized (said in "
        "`notes`); a smaller one, or a file that is not an image, is a 400. Nothing is stored. 409 "
        "(`no_encoder`) for a version without an encoder: t-SNE cannot map a new point at all, UMAP only "
        "through its fitted model in a worker, a GAN has no encoder.",
    )
    def post(self, request, version_id: int):
        data = validated(EncodeRequestSerializer, request.data)
        version = selectors.representation_version_get(version_id=version_id)
        encoded = serving.image_encode(
            version=version,
            data=data["image"].read(),
            invert=data["invert"],
            max_bytes=settings.AEWEB_UPLOAD_MAX_BYTES,
            max_pixels=settings.AEWEB_UPLOAD_MAX_PIXELS,
        )
        return Response(
            {
                "version": version.id,
                "code": encoded.code,
                "code_size": len(encoded.code),
                "position": encoded.position,
                "extrapolated": encoded.extrapolated,
                "notes": encoded.notes,
                "image": serving.png_data_url(encoded.pixels),
                "reconstruction": (
                    serving.png_data_url(encoded.reconstruction) if encoded.reconstruction is not None else None
                ),
            }
        )


class CompareApi(APIView):
    @extend_schema(
        parameters=[CompareQuerySerializer],
        responses={200: CompareSerializer, **READ_ERRORS},
        summary="The figures tables: reconstruction vs code size, probes, maps, AE vs GAN",
    )
    def get(self, request):
        q = validated(CompareQuerySerializer, request.query_params)
        dataset = q["dataset"] or selectors.representation_dataset_default()
        return Response(selectors.compare_tables(dataset=dataset))
