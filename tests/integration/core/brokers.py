"""A Redis of a test's own (persistent, killable, restartable on the same data) and pointing the app at it."""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path

import redis

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
        """SIGKILL: no shutdown, no last save; what it had answered and written to its file survives.

        It first waits (at most 5 s) for Redis to have written its AOF buffer: with appendfsync
        everysec, Redis answers at once but postpones the write by up to 2 s while a slow disk is
        still syncing the previous second, and a kill in that window loses those writes. That loss
        is what the workers' start-up sweep repairs (test_messages_survive_a_redis_kill... makes it
        on purpose); here it would only make a test's expectations depend on the disk's speed.
        """
        if self.proc is not None:
            client = redis.Redis.from_url(self.url, socket_timeout=1)
            deadline = time.monotonic() + 5
            with contextlib.suppress(redis.RedisError):
                while client.info("persistence").get("aof_buffer_length") and time.monotonic() < deadline:
                    time.sleep(0.05)
            client.close()
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
