"""Admin: the gallery's images as a read-only list with filters. Models are retrained through the
ModelVersion admin (core), which maps the gallery's model kinds back to `train vae`."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from apps.gallery.models import GeneratedImage


@admin.register(GeneratedImage)
class GeneratedImageAdmin(admin.ModelAdmin):
    list_display = ["id", "thumbnail", "kind", "label", "seed", "temperature", "model_version", "job", "created"]
    list_filter = ["kind", "label", "model_version__dataset", "model_version"]
    search_fields = ["label", "=seed"]
    readonly_fields = [f.name for f in GeneratedImage._meta.fields] + ["thumbnail"]

    @admin.display(description="image")
    def thumbnail(self, obj: GeneratedImage) -> str:
        return format_html(
            '<a href="{}"><img src="{}" width="56" height="56" style="image-rendering: pixelated" alt=""></a>',
            obj.url,
            obj.url,
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
