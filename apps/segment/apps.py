from django.apps import AppConfig


class SegmentConfig(AppConfig):
    name = "apps.segment"
    label = "segment"
    verbose_name = "Segmentation"
