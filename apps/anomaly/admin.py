from django.contrib import admin

from apps.anomaly.models import AnomalyRun


@admin.register(AnomalyRun)
class AnomalyRunAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "source", "original_name", "rows", "columns", "created_at", "expires_at"]
    list_filter = ["kind", "source"]
    readonly_fields = [f.name for f in AnomalyRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # runs come from the page and the API, checked there
