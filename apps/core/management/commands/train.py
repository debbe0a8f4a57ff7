"""`train KIND [--dataset SLUG] [--model NAME] [--set key=value ...] [--sync]`."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.core import registry, services
from apps.core.errors import ApplicationError
from apps.core.models import Job


def config_parse(pairs: list[str]) -> dict:
    """`key=value` pairs; values are read as JSON when they parse (numbers, booleans, lists)."""
    config = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CommandError(f"--set expects key=value, got {pair!r}")
        try:
            config[key] = json.loads(value)
        except json.JSONDecodeError:
            config[key] = value
    return config


class ProgressPrinter:
    """A tqdm bar fed by job reports: percent, epoch and loss."""

    def __init__(self) -> None:
        self.bar = tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}<{remaining}] {postfix}")
        self.seen = 0.0

    def __call__(self, update: dict) -> None:
        progress = update.get("progress")
        if progress is not None:
            self.bar.update(max(0.0, 100 * progress - self.seen))
            self.seen = max(self.seen, 100 * progress)
        epoch = update.get("epoch") or {}
        if epoch:
            shown = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in epoch.items() if k != "epochs"}
            self.bar.set_postfix(shown, refresh=True)
        elif update.get("message"):
            self.bar.set_postfix_str(update["message"][:60])

    def close(self) -> None:
        self.bar.close()


class Command(BaseCommand):
    help = "Train a model (recommender, vae, denoiser, ...) as a job: on a worker, or in this process with --sync."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", help="what to train: " + ", ".join(registry.training_names()))
        parser.add_argument("--dataset", default="", help="data set slug (default: the kind's default)")
        parser.add_argument("--model", default="", help="architecture, e.g. mult-vae, mult-dae, ease")
        parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--sync", action="store_true", help="train in this process; print the result as JSON")
        parser.add_argument("--no-wait", action="store_true", help="queue the job and return at once")

    def handle(self, *args, **options) -> None:
        params = {
            "kind": options["kind"],
            "dataset": options["dataset"],
            "model": options["model"],
            "config": config_parse(options["overrides"]),
        }
        try:
            if options["sync"]:
                job = self.run_sync(params)
            else:
                job = services.training_job_start(**params)
                self.stderr.write(f"queued job {job.id}")
                if options["no_wait"]:
                    self.stdout.write(json.dumps({"job": str(job.id), "status": job.status}))
                    return
                job = self.follow(job)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if job.status != "succeeded":
            raise CommandError(f"job {job.id} {job.status}: {job.error or job.message}")
        self.stdout.write(json.dumps(job.result, default=float))

    def run_sync(self, params: dict) -> Job:
        from apps.core.runner import job_execute  # imports torch-using handlers: this process only

        job = services.training_job_start(**params, enqueue=False)
        printer = ProgressPrinter()
        try:
            return job_execute(job_id=job.id, listener=printer)
        finally:
            printer.close()

    def follow(self, job: Job) -> Job:
        """Poll the job row until it ends; Ctrl-C leaves it running."""
        from apps.core.selectors import job_get

        printer = ProgressPrinter()
        seen_epochs = 0
        try:
            while not job.is_final:
                time.sleep(0.5)
                job = job_get(job.id)
                for epoch in job.history[seen_epochs:]:
                    printer({"epoch": epoch})
                seen_epochs = len(job.history)
                printer({"progress": job.progress, "message": job.message})
        except KeyboardInterrupt:
            self.stderr.write(f"\nstopped following; job {job.id} goes on (GET /api/jobs/{job.id}/)")
            raise SystemExit(130) from None
        finally:
            printer.close()
        return job
