"""Input and output shapes of the recommender's API (the contract in DESIGN.md)."""

from __future__ import annotations

import math
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.models import ModelVersion
from apps.core.pagination import PAGE_SIZE_MAX
from apps.core.serializers import PageQuerySerializer, PageSerializer
from apps.recommender.models import Dataset, DatasetUser, Item, Rating
from apps.recommender.selectors import ITEM_ORDERS
from apps.recommender.serving import FOLDIN_MAX_RATINGS, K_DEFAULT, K_MAX

# --- input ---------------------------------------------------------------------------------------


class ItemQuerySerializer(PageQuerySerializer):
    search = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    # allow_blank: `?order=` (a form's empty choice) is the default order, and the schema says so.
    order = serializers.ChoiceField(choices=list(ITEM_ORDERS), allow_blank=True, default="popular")

    def validate_order(self, value: str) -> str:
        return value or "popular"


class UserQuerySerializer(PageQuerySerializer):
    search = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    page_size = serializers.IntegerField(min_value=1, max_value=PAGE_SIZE_MAX, default=50)


class RatingsQuerySerializer(PageQuerySerializer):
    page_size = serializers.IntegerField(min_value=1, max_value=PAGE_SIZE_MAX, default=100)


class KQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(min_value=1, max_value=K_MAX, default=K_DEFAULT)


def k_parse(query_params) -> int:
    """`?k=`: what KQuerySerializer checks, without a serializer's cost on the hottest endpoints."""
    raw = query_params.get("k")
    if raw is None:
        return K_DEFAULT
    try:
        k = int(raw)
    except (TypeError, ValueError):
        raise serializers.ValidationError({"k": ["A valid integer is required."]}) from None
    if not 1 <= k <= K_MAX:
        raise serializers.ValidationError({"k": [f"must be between 1 and {K_MAX}, not {k}"]})
    return k


class FoldinRatingSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="an Item id (`id` in the catalogue) of this data set")
    rating = serializers.FloatField(help_text="within the data set's rating scale (e.g. 1..5)")


class FoldinRequestSerializer(serializers.Serializer):
    """`{"ratings": [{"item", "rating"}], "k"}`.

    The fields document the shape; `to_internal_value` checks it by hand, because DRF's nested
    list validation costs milliseconds per hundred ratings and this endpoint must stay lean.
    Item ids and the rating scale are checked against the model (serving.foldin_ratings_check).
    """

    # A ListField, not many=True: drf-spectacular states its minItems/maxItems (the checks below).
    ratings = serializers.ListField(child=FoldinRatingSerializer(), min_length=1, max_length=FOLDIN_MAX_RATINGS)
    k = serializers.IntegerField(min_value=1, max_value=K_MAX, default=K_DEFAULT)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object with 'ratings'."]})
        k = data.get("k", K_DEFAULT)
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= K_MAX:
            raise serializers.ValidationError({"k": [f"must be an integer between 1 and {K_MAX}"]})
        ratings = data.get("ratings")
        if not isinstance(ratings, list):
            raise serializers.ValidationError({"ratings": ["a list of {item, rating} objects is required"]})
        if not ratings:
            raise serializers.ValidationError({"ratings": ["rate at least one item"]})
        if len(ratings) > FOLDIN_MAX_RATINGS:
            raise serializers.ValidationError(
                {"ratings": [f"at most {FOLDIN_MAX_RATINGS} ratings, not {len(ratings)}"]}
            )
        pairs = []
        for position, entry in enumerate(ratings):
            if not isinstance(entry, dict):
                raise serializers.ValidationError({f"ratings[{position}]": ["expected {item, rating}"]})
            item, rating = entry.get("item"), entry.get("rating")
            if isinstance(item, bool) or not isinstance(item, int):
                raise serializers.ValidationError({f"ratings[{position}].item": ["an item id (integer) is required"]})
            if isinstance(rating, bool) or not isinstance(rating, int | float) or not math.isfinite(rating):
                raise serializers.ValidationError({f"ratings[{position}].rating": ["a number is required"]})
            pairs.append((item, float(rating)))
        return {"ratings": pairs, "k": k}


# --- output --------------------------------------------------------------------------------------


class ItemSerializer(serializers.ModelSerializer):
    genres = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Item
        fields = ["id", "title", "year", "genres", "external_id"]
        read_only_fields = fields


class ItemDetailSerializer(ItemSerializer):
    dataset = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "dataset", "index", "n_ratings"]
        read_only_fields = fields


class ItemRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ModelRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    name = serializers.CharField()


class ActiveModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = ["id", "version", "name", "metrics", "baselines", "created_at"]
        read_only_fields = fields


class DatasetSerializer(serializers.ModelSerializer):
    active_model = serializers.SerializerMethodField()

    class Meta:
        model = Dataset
        fields = [
            "slug",
            "name",
            "n_users",
            "n_items",
            "n_ratings",
            "rating_min",
            "rating_max",
            "is_synthetic",
            "source_format",
            "created_at",
            "active_model",
        ]
        read_only_fields = fields

    @extend_schema_field(ActiveModelSerializer(allow_null=True))
    def get_active_model(self, dataset: Dataset) -> dict | None:
        version = self.context.get("active", {}).get(dataset.slug)
        return ActiveModelSerializer(version).data if version is not None else None


class DatasetUserSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="external_id", help_text="the user id as in the data set")

    class Meta:
        model = DatasetUser
        fields = ["user", "index", "n_ratings"]
        read_only_fields = fields


class RatingSerializer(serializers.ModelSerializer):
    item = ItemSerializer()

    class Meta:
        model = Rating
        fields = ["item", "rating", "timestamp"]
        read_only_fields = fields


class ItemPageSerializer(PageSerializer):
    dataset = serializers.CharField()
    results = ItemSerializer(many=True)


class UserPageSerializer(PageSerializer):
    dataset = serializers.CharField()
    results = DatasetUserSerializer(many=True)


class RatingPageSerializer(PageSerializer):
    dataset = serializers.CharField()
    user = serializers.CharField()
    results = RatingSerializer(many=True)


class RecommendationSerializer(serializers.Serializer):
    item = ItemSerializer()
    score = serializers.FloatField(help_text="the model's score; higher is better (comparable within one list)")
    because = ItemRefSerializer(many=True, help_text="up to 3 items the user liked that explain this one")


class RecommendationsSerializer(serializers.Serializer):
    """The recommendations response, for the OpenAPI schema only: the endpoints answer the JSON that
    `serving.Recommendations.as_json` joins from pre-encoded fragments (serializing here would cost
    more than the model), and a test validates such bodies against this schema."""

    dataset = serializers.CharField()
    user = serializers.CharField(allow_null=True, help_text="null for a fold-in (a visitor)")
    model = ModelRefSerializer()
    items = RecommendationSerializer(many=True)


class SimilarItemSerializer(serializers.Serializer):
    item = ItemSerializer()
    score = serializers.FloatField()


class SimilarItemsSerializer(serializers.Serializer):
    item = ItemSerializer()
    dataset = serializers.CharField()
    model = ModelRefSerializer()
    items = SimilarItemSerializer(many=True)
