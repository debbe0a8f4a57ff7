"""The recommender's REST endpoints: thin views over selectors and serving, explicit serializers, one error shape."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.pagination import page_get
from apps.core.serializers import error_responses, validated
from apps.recommender import selectors, serving
from apps.recommender.serializers import (
    DatasetSerializer,
    DatasetUserSerializer,
    FoldinRequestSerializer,
    ItemDetailSerializer,
    ItemPageSerializer,
    ItemQuerySerializer,
    ItemSerializer,
    KQuerySerializer,
    RatingPageSerializer,
    RatingSerializer,
    RatingsQuerySerializer,
    RecommendationsSerializer,
    SimilarItemsSerializer,
    UserPageSerializer,
    UserQuerySerializer,
    k_parse,
)

READ_ERRORS = error_responses(400, 404, 429)
MODEL_ERRORS = error_responses(400, 404, 409, 429, 503)
USER_PARAM = OpenApiParameter("user", str, OpenApiParameter.PATH, description="the user id as in the data set")


def _json_response(body: str) -> HttpResponse:
    """A body already in the documented shape, joined from JSON encoded once per model version: the
    recommendation endpoints are the hot path, and a serializer pass would cost more than the model."""
    return HttpResponse(body.encode(), content_type="application/json")


class DatasetListApi(APIView):
    @extend_schema(
        responses={200: DatasetSerializer(many=True), **READ_ERRORS},
        summary="Rating data sets with their counts and active model",
    )
    def get(self, request):
        entries = selectors.dataset_list()
        context = {"active": {e["dataset"].slug: e["active_model"] for e in entries if e["active_model"]}}
        return Response(DatasetSerializer([e["dataset"] for e in entries], many=True, context=context).data)


class DatasetItemListApi(APIView):
    @extend_schema(
        parameters=[ItemQuerySerializer],
        responses={200: ItemPageSerializer, **READ_ERRORS},
        summary="A data set's catalogue, paged; search by title",
    )
    def get(self, request, slug: str):
        query = validated(ItemQuerySerializer, request.query_params)
        dataset = selectors.dataset_get(slug=slug)
        items = selectors.item_list(dataset=dataset, search=query["search"], order=query["order"])
        page = page_get(items, page=query["page"], page_size=query["page_size"])
        return Response(page.body(ItemSerializer(page.results, many=True).data, dataset=slug))


class DatasetUserListApi(APIView):
    @extend_schema(
        parameters=[UserQuerySerializer],
        responses={200: UserPageSerializer, **READ_ERRORS},
        summary="A data set's users, paged; search by id prefix",
    )
    def get(self, request, slug: str):
        query = validated(UserQuerySerializer, request.query_params)
        dataset = selectors.dataset_get(slug=slug)
        users = selectors.user_list(dataset=dataset, search=query["search"])
        page = page_get(users, page=query["page"], page_size=query["page_size"])
        return Response(page.body(DatasetUserSerializer(page.results, many=True).data, dataset=slug))


class DatasetUserRatingsApi(APIView):
    @extend_schema(
        parameters=[USER_PARAM, RatingsQuerySerializer],
        responses={200: RatingPageSerializer, **READ_ERRORS},
        summary="A data set user's ratings, best first",
    )
    def get(self, request, slug: str, user: str):
        query = validated(RatingsQuerySerializer, request.query_params)
        dataset_user = selectors.user_get(dataset=selectors.dataset_get(slug=slug), user=user)
        ratings = selectors.user_ratings(user=dataset_user)
        page = page_get(ratings, page=query["page"], page_size=query["page_size"])
        return Response(page.body(RatingSerializer(page.results, many=True).data, dataset=slug, user=user))


class UserRecommendationsApi(APIView):
    @extend_schema(
        parameters=[USER_PARAM, KQuerySerializer],
        responses={200: RecommendationsSerializer, **MODEL_ERRORS},
        summary="A data set user's recommendations (never an item they rated), with reasons",
    )
    def get(self, request, slug: str, user: str):
        recs = serving.recommendations_user(slug=slug, user=user, k=k_parse(request.query_params))
        return _json_response(recs.as_json())


class FoldinRecommendationsApi(APIView):
    @extend_schema(
        request=FoldinRequestSerializer,
        responses={200: RecommendationsSerializer, **MODEL_ERRORS},
        summary="Recommendations for a visitor from a few ratings (fold-in, no retraining)",
    )
    def post(self, request, slug: str):
        body = validated(FoldinRequestSerializer, request.data)
        return _json_response(serving.recommendations_foldin(slug=slug, **body).as_json())


class ItemDetailApi(APIView):
    @extend_schema(responses={200: ItemDetailSerializer, **READ_ERRORS}, summary="One item")
    def get(self, request, item_id: int):
        return Response(ItemDetailSerializer(selectors.item_get(item_id=item_id)).data)


class ItemSimilarApi(APIView):
    @extend_schema(
        parameters=[KQuerySerializer],
        responses={200: SimilarItemsSerializer, **MODEL_ERRORS},
        summary="Items the active model finds most similar to this one",
    )
    def get(self, request, item_id: int):
        return Response(serving.item_similar(item_id=item_id, k=k_parse(request.query_params)))
