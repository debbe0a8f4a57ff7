from django.apps import AppConfig


class DenoiseConfig(AppConfig):
    name = "apps.denoise"
    label = "denoise"
    verbose_name = "Denoise"
