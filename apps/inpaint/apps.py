from django.apps import AppConfig


class InpaintConfig(AppConfig):
    name = "apps.inpaint"
    label = "inpaint"
    verbose_name = "Inpainting"
