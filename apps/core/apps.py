from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Jobs and models"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from apps.core import signals  # noqa: F401  (worker signal handlers)
        from apps.core.contract import APP
        from apps.core.models import ActiveModel
        from apps.core.pointers import pointers_forget
        from apps.core.registry import app_register

        app_register(APP)
        post_save.connect(pointers_forget, sender=ActiveModel, dispatch_uid="core-pointers-save")
        post_delete.connect(pointers_forget, sender=ActiveModel, dispatch_uid="core-pointers-delete")
