"""Heartbeats in Redis: each worker says which queues it consumes, beat says it ticks.

/api/health/ reads these keys (one round trip) instead of pinging workers over the broker from
the request, which held a web thread for half a second per call and needed an answer from every
worker. A worker writes its hostname into one sorted set per queue it consumes, scored by the
time, every AEWEB_WORKER_HEARTBEAT_SECONDS from its main process's event loop (the pool children
may be busy for hours); a warm shutdown takes it out at once, a killed worker drops out when its
score is older than AEWEB_HEALTH_STALE_SECONDS. Beat stamps one key on each tick.

Imported by aeweb/celery.py before Django is set up: settings are read inside the functions.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

import redis
from celery import bootsteps
from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

WORKERS_KEY = "aeweb:heartbeat:workers:{queue}"  # sorted set: hostname -> unix time of its last beat
BEAT_KEY = "aeweb:heartbeat:beat"  # JSON-free: "<unix time> <host>:<pid>"

_clients: dict[str, redis.Redis] = {}


def broker_client() -> redis.Redis:
    """A Redis client on the broker's database with short timeouts (never hang a request or the worker loop)."""
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=1, health_check_interval=30
        )
    return client


def _seconds(name: str, default: float) -> float:
    from django.conf import settings

    return float(getattr(settings, name, default))


def worker_beat(*, hostname: str, queues: list[str], client: redis.Redis | None = None) -> None:
    client = client or broker_client()
    now = time.time()
    stale = now - 10 * _seconds("AEWEB_HEALTH_STALE_SECONDS", 20)
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        key = WORKERS_KEY.format(queue=queue)
        pipe.zadd(key, {hostname: now})
        pipe.zremrangebyscore(key, "-inf", stale)  # long-gone workers do not pile up
    pipe.execute()


def worker_forget(*, hostname: str, queues: list[str], client: redis.Redis | None = None) -> None:
    client = client or broker_client()
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.zrem(WORKERS_KEY.format(queue=queue), hostname)
    pipe.execute()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker bootstep: beat for each queue this worker consumes, from the main process's timer."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.tref = None
        self.queues: list[str] = []

    def start(self, worker) -> None:
        self.hostname = worker.hostname
        self.queues = sorted(worker.app.amqp.queues.consume_from)
        self._beat()
        self.tref = worker.timer.call_repeatedly(_seconds("AEWEB_WORKER_HEARTBEAT_SECONDS", 5), self._beat, priority=10)

    def _beat(self) -> None:
        try:
            worker_beat(hostname=self.hostname, queues=self.queues)
        except Exception as exc:  # the broker is down: health says so; the next beat retries
            logger.warning("worker heartbeat not written: %s", exc)

    def stop(self, worker) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        try:
            worker_forget(hostname=self.hostname, queues=self.queues)
        except Exception as exc:
            logger.warning("worker heartbeat not removed: %s", exc)

    shutdown = stop


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's scheduler, stamping BEAT_KEY on every tick (and ticking at least that often)."""

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        every = _seconds("AEWEB_WORKER_HEARTBEAT_SECONDS", 5)
        try:
            broker_client().set(BEAT_KEY, f"{time.time()} {socket.gethostname()}:{os.getpid()}")
        except Exception as exc:
            logger.warning("beat heartbeat not written: %s", exc)
        return min(interval, every)


def heartbeats_read(queues: tuple[str, ...], client: redis.Redis | None = None) -> dict[str, Any]:
    """{"queues": {queue: {"workers": [hostname, ...], "last_seen_s": float|None}}, "beat": {"last_seen_s": ...}}.

    A worker counts when its last beat is at most AEWEB_HEALTH_STALE_SECONDS old."""
    client = client or broker_client()
    now = time.time()
    fresh = now - _seconds("AEWEB_HEALTH_STALE_SECONDS", 20)
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.zrangebyscore(WORKERS_KEY.format(queue=queue), fresh, "+inf", withscores=True)
    pipe.get(BEAT_KEY)
    *per_queue, beat = pipe.execute()
    result: dict[str, Any] = {"queues": {}}
    for queue, members in zip(queues, per_queue, strict=True):
        names = sorted(name.decode() for name, _ in members)
        last = max((score for _, score in members), default=None)
        result["queues"][queue] = {"workers": names, "last_seen_s": None if last is None else round(now - last, 1)}
    beat_at = float(beat.split()[0]) if beat else None
    result["beat"] = {"last_seen_s": None if beat_at is None else round(now - beat_at, 1)}
    return result
