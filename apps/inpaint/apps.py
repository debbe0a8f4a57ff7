from django.apps import AppConfig


class InpaintConfig(AppConfig):
    name = "apps.inpaint"
    label = "inpaint"
    verbose_name = "Inpainting"

    def ready(self) -> None:
        from apps.core.registry import app_register
        from apps.inpaint.contract import APP

        app_register(APP)
