from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Jobs and models"

    def ready(self) -> None:
        from aeweb.celery import QUEUE_DEFAULT
        from apps.core import signals  # noqa: F401  (worker signal handlers)
        from apps.core.jobkinds import JobKind, jobkind_register

        jobkind_register(
            JobKind(
                name="core.selftest",
                handler="apps.core.diagnostics.selftest_job",
                queue=QUEUE_DEFAULT,
                title="Self-test: queue, worker and progress",
                validator="apps.core.diagnostics.selftest_params_validate",
            )
        )
