from django.apps import AppConfig


class AnomalyConfig(AppConfig):
    name = "apps.anomaly"
    label = "anomaly"
    verbose_name = "Anomaly detection"

    def ready(self) -> None:
        from apps.anomaly.contract import APP
        from apps.core.registry import app_register

        app_register(APP)
