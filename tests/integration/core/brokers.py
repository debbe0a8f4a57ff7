"""A Redis of a test's own (persistent, killable, restartable on the same data) and pointing the app at it."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

from aeweb.celery import app as celery_app
from aeweb.embedded_redis import port_free, redis_command, redis_wait
from apps.core.heartbeats import BEAT_KEY, WORKERS_KEY, broker_client
from apps.core.queues import QUEUES


class OwnRedis:
    """redis-server on a free port with its append-only file in `data_dir`, as `make run` starts it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = port_free()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(redis_command(self.port, data_dir=self.data_dir), stdout=subprocess.DEVNULL)
        redis_wait(self.port)
        if celery_app.conf.broker_url == self.url:  # the test's own control commands: a fresh connection
            celery_app._pool = celery_app.amqp._producer_pool = None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no last save; what it had answered must be in its file already."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@contextlib.contextmanager
def broker_at(url: str, settings):
    """Send jobs to, and read heartbeats and queues from, the Redis at `url` (pytest-django's `settings`)."""
    old = celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool
    celery_app.conf.broker_url = url
    celery_app._pool = celery_app.amqp._producer_pool = None  # forget pooled connections
    settings.CELERY_BROKER_URL = url
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = old


def heartbeats_clear() -> None:
    """Forget the heartbeats of earlier tests' workers on the current broker."""
    broker_client().delete(BEAT_KEY, *(WORKERS_KEY.format(queue=queue) for queue in QUEUES))
