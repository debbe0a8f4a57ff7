from django.apps import AppConfig


class SegmentConfig(AppConfig):
    name = "apps.segment"
    label = "segment"
    verbose_name = "Segmentation"

    def ready(self) -> None:
        from apps.core.registry import app_register
        from apps.segment.contract import APP

        app_register(APP)
