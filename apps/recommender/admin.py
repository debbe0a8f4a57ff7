"""Admin: data sets with their counts and a retrain action; items and users as read-only lists.

Data sets change only through `import_ratings` (all or nothing), so nothing here edits rows.
"""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import has_train_permission, training_start_many
from apps.core.selectors import model_version_active
from apps.recommender.models import Dataset, DatasetUser, Item
from apps.recommender.training_config import model_default


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    list_display = [
        "slug",
        "name",
        "n_users",
        "n_items",
        "n_ratings",
        "rating_scale",
        "source_format",
        "is_synthetic",
        "active_model",
        "created_at",
    ]
    list_filter = ["source_format", "is_synthetic"]
    search_fields = ["slug", "name"]
    readonly_fields = [f.name for f in Dataset._meta.fields]
    actions = ["retrain"]

    @admin.display(description="scale")
    def rating_scale(self, obj: Dataset) -> str:
        return f"{obj.rating_min:g}–{obj.rating_max:g}"

    @admin.display(description="active model")
    def active_model(self, obj: Dataset) -> str:
        version = model_version_active(kind="recommender", dataset=obj.slug)  # a query per row: data sets are few
        if version is None:
            return "—"
        ndcg = version.metrics.get("ndcg@100")
        return f"{version.name} v{version.version}" + (f" (NDCG@100 {ndcg:.4f})" if isinstance(ndcg, float) else "")

    has_train_permission = has_train_permission  # core.add_job, as POST /api/jobs/ asks

    @admin.action(description="Retrain the recommender on the selected data sets", permissions=["train"])
    def retrain(self, request, queryset):
        targets = [
            {"kind": "recommender", "dataset": d.slug, "model": model_default(d.slug), "config": {}} for d in queryset
        ]
        return training_start_many(self, request, targets)


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "year", "dataset", "external_id", "index", "n_ratings"]
    list_filter = ["dataset"]
    search_fields = ["title", "external_id"]
    list_select_related = ["dataset"]
    readonly_fields = [f.name for f in Item._meta.fields]


@admin.register(DatasetUser)
class DatasetUserAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "dataset", "index", "n_ratings"]
    list_filter = ["dataset"]
    search_fields = ["=external_id"]
    list_select_related = ["dataset"]
    readonly_fields = [f.name for f in DatasetUser._meta.fields]
