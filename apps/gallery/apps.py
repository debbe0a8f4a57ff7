from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "apps.gallery"
    label = "gallery"
    verbose_name = "Gallery"

    def ready(self) -> None:
        from apps.core.registry import app_register
        from apps.gallery.contract import APP

        app_register(APP)
