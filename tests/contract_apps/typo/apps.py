from django.apps import AppConfig


class TypoConfig(AppConfig):
    name = "tests.contract_apps.typo"
    label = "typo"

    def ready(self) -> None:
        from apps.core.registry import app_register
        from tests.contract_apps.typo.contract import APP

        app_register(APP)
