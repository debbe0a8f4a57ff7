from django.apps import AppConfig


class DenoiseConfig(AppConfig):
    name = "apps.denoise"
    label = "denoise"
    verbose_name = "Denoise"

    def ready(self) -> None:
        from apps.core.registry import app_register
        from apps.denoise.contract import APP

        app_register(APP)
