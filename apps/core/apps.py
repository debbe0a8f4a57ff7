from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Jobs and models"

    def ready(self) -> None:
        from apps.core import signals  # noqa: F401  (worker signal handlers)
