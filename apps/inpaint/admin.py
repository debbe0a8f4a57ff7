"""Read-only admin for inpainting requests; retraining goes through the ModelVersion admin (kind "inpainter")."""

from __future__ import annotations

from django.contrib import admin

from apps.inpaint.models import InpaintRequest


@admin.register(InpaintRequest)
class InpaintRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "width", "height", "mask_kind", "coverage", "psnr", "psnr_masked",
                    "seconds", "expires_at"]  # fmt: skip
    list_filter = ["mask_kind", "format", "sample"]
    readonly_fields = [f.name for f in InpaintRequest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # requests come from the page and the API, checked there

    def has_change_permission(self, request, obj=None) -> bool:
        return False
