"""Read-only admin for segmentation requests; retraining goes through the ModelVersion admin (kind "segmenter")."""

from __future__ import annotations

from django.contrib import admin

from apps.segment.models import SegmentRequest


@admin.register(SegmentRequest)
class SegmentRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "dataset", "sample", "format", "width", "height", "seconds", "expires_at"]
    list_filter = ["dataset", "format"]
    readonly_fields = [f.name for f in SegmentRequest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
