"""The checks behind GET /api/health/."""

from __future__ import annotations

import time
from typing import Any

import redis
from celery import current_app
from django.conf import settings
from django.db import connection


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


def _broker() -> dict:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {}


def _workers() -> dict:
    # The project's app (aeweb/celery.py) is the current one once Django is set up; core does not
    # import the project.
    replies = current_app.control.ping(timeout=0.5) or []
    names = sorted(name for reply in replies for name in reply)
    if not names:
        raise RuntimeError("no Celery worker answered")
    return {"count": len(names), "names": names}


def health_check() -> tuple[dict[str, Any], int]:
    checks = {"database": _timed(_database), "broker": _timed(_broker)}
    checks["workers"] = _timed(_workers) if checks["broker"]["ok"] else {"ok": False, "error": "broker down"}
    essential_ok = checks["database"]["ok"] and checks["broker"]["ok"]
    status = "ok" if essential_ok and checks["workers"]["ok"] else "degraded"
    return {"status": status, "checks": checks}, (200 if essential_ok else 503)
