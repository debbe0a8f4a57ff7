from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    name = "apps.recommender"
    label = "recommender"
    verbose_name = "Recommender"

    def ready(self) -> None:
        from apps.core.registry import app_register
        from apps.recommender.contract import APP

        app_register(APP)
