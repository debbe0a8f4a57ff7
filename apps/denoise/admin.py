"""Read-only admin for denoising requests; retraining goes through the ModelVersion admin (kind "denoiser")."""

from __future__ import annotations

from django.contrib import admin

from apps.denoise.models import DenoiseRequest


@admin.register(DenoiseRequest)
class DenoiseRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "format", "width", "height", "sigma", "psnr", "ssim", "seconds", "expires_at"]
    list_filter = ["format", "sample"]
    readonly_fields = [f.name for f in DenoiseRequest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
