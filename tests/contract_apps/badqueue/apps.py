from django.apps import AppConfig


class BadQueueConfig(AppConfig):
    name = "tests.contract_apps.badqueue"
    label = "badqueue"

    def ready(self) -> None:
        from apps.core import diagnostics
        from apps.core.registry import AppContract, JobKind, app_register

        # "gpus" is not a queue: a worker would never take this job.
        kind = JobKind(name="badqueue.run", handler=diagnostics.selftest_job, queue="gpus", title="bad queue")
        app_register(AppContract(label="badqueue", title="bad queue", jobs=(kind,)))
