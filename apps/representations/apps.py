from django.apps import AppConfig


class RepresentationsConfig(AppConfig):
    name = "apps.representations"
    label = "representations"
    verbose_name = "Representations"

    def ready(self) -> None:
        from apps.core.registry import app_register
        from apps.representations import signals  # noqa: F401  (connects the worker's warm-up)
        from apps.representations.contract import APP

        app_register(APP)
