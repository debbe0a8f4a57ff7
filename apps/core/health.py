"""The checks behind GET /api/health/ (readiness) and GET /api/health/live/ (liveness).

Readiness costs one database query and one Redis round trip (the broker ping and the heartbeat
keys the workers and beat write: apps.core.heartbeats), never a message to the workers, and the
answer is kept for AEWEB_HEALTH_CACHE_SECONDS per process: many callers at once share one check.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db import connection
from rest_framework.throttling import BaseThrottle

from apps.core.heartbeats import broker_client, heartbeats_read
from apps.core.queues import QUEUES
from apps.core.throttling import SharedRateThrottle

_lock = threading.Lock()
_cached: tuple[float, tuple[dict[str, Any], int]] | None = None


def _timed(check) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = check()
        return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1), **(detail or {})}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def required_queues() -> tuple[str, ...]:
    """The queues without whose workers this site is not ready (AEWEB_HEALTH_REQUIRED_QUEUES)."""
    return tuple(q for q in settings.AEWEB_HEALTH_REQUIRED_QUEUES if q in QUEUES)


def health_check_uncached() -> tuple[dict[str, Any], int]:
    checks: dict[str, Any] = {"database": _timed(_database)}
    heartbeats: dict[str, Any] = {}

    def broker() -> dict:
        client = broker_client()
        client.ping()
        heartbeats.update(heartbeats_read(QUEUES, client=client))
        return {}

    checks["broker"] = _timed(broker)
    required = required_queues()
    stale = settings.AEWEB_HEALTH_STALE_SECONDS
    if checks["broker"]["ok"]:
        queues = {}
        for queue, seen in heartbeats["queues"].items():
            count = len(seen["workers"])
            queues[queue] = {
                "ok": count > 0,
                "count": count,
                "workers": seen["workers"],
                "last_seen_s": seen["last_seen_s"],
                "required": queue in required,
            }
        missing = [queue for queue, detail in queues.items() if not detail["ok"]]
        checks["workers"] = {
            "ok": not missing,
            "count": len({name for detail in queues.values() for name in detail["workers"]}),
            "queues": queues,
            **({"error": f"no worker seen in the last {stale:.0f} s for: {', '.join(missing)}"} if missing else {}),
        }
        beat_seen = heartbeats["beat"]["last_seen_s"]
        beat_ok = beat_seen is not None and beat_seen <= stale
        checks["beat"] = {"ok": beat_ok, "last_seen_s": beat_seen}
        if not beat_ok:
            checks["beat"]["error"] = f"beat has not ticked in the last {stale:.0f} s"
    else:
        checks["workers"] = {"ok": False, "error": "broker down"}
        checks["beat"] = {"ok": False, "error": "broker down"}
    ready = (
        checks["database"]["ok"]
        and checks["broker"]["ok"]
        and all(checks["workers"]["queues"][queue]["ok"] for queue in required)
    )
    everything = ready and checks["workers"]["ok"] and checks["beat"]["ok"]
    return {"status": "ok" if everything else "degraded", "checks": checks}, (200 if ready else 503)


def health_check() -> tuple[dict[str, Any], int]:
    """The readiness answer, computed at most once per AEWEB_HEALTH_CACHE_SECONDS in this process."""
    global _cached
    ttl = settings.AEWEB_HEALTH_CACHE_SECONDS
    with _lock:  # callers that arrive during a check wait for it rather than each running their own
        now = time.monotonic()
        if _cached is None or ttl <= 0 or now - _cached[0] >= ttl:
            _cached = (time.monotonic(), health_check_uncached())
        return _cached[1]


def health_cache_clear() -> None:
    global _cached
    with _lock:
        _cached = None


class HealthThrottle(SharedRateThrottle):
    """Readiness calls per client address (AEWEB_THROTTLE_HEALTH): the answer is cached anyway, so this
    only keeps one caller from filling the web's threads with it."""

    scope = "health"

    def get_rate(self) -> str | None:
        return settings.AEWEB_THROTTLE_HEALTH or None

    def ident_key(self, request, view) -> str | None:
        return BaseThrottle().get_ident(request) or "unknown"
