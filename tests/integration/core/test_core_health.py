"""GET /api/health/ (readiness, from heartbeats in Redis) and GET /api/health/live/ (liveness, no I/O)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from aeweb.embedded_redis import port_free
from apps.core.health import health_cache_clear, health_check
from apps.core.queues import QUEUE_INTERACTIVE, QUEUE_TRAINING, QUEUES
from tests.conftest import ROOT, TEST_VAR, worker_environment
from tests.integration.core.brokers import broker_at, heartbeats_clear
from tests.integration.core.test_core_api import broker_down

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh():
    heartbeats_clear()
    health_cache_clear()
    yield
    health_cache_clear()


def _until(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := check()) is not None:
            return found
        time.sleep(0.2)
    raise AssertionError("condition not reached")


def test_liveness_does_no_io_and_answers_while_the_broker_is_down(api_client, django_assert_num_queries):
    with broker_down(), django_assert_num_queries(0):
        response = api_client.get("/api/health/live/")
    assert response.status_code == 200 and response.json() == {"status": "ok", "checks": {}}


def test_not_ready_without_an_interactive_worker(api_client):
    response = api_client.get("/api/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    queues = body["checks"]["workers"]["queues"]
    assert set(queues) == set(QUEUES) and not queues[QUEUE_INTERACTIVE]["ok"] and queues[QUEUE_INTERACTIVE]["required"]
    assert "no worker seen" in body["checks"]["workers"]["error"]


def test_not_ready_while_the_broker_is_down(api_client, settings):
    with broker_at(f"redis://127.0.0.1:{port_free()}/0", settings):  # nothing listens there
        response = api_client.get("/api/health/")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert not checks["broker"]["ok"] and checks["workers"] == {"ok": False, "error": "broker down"}


def test_ready_with_a_worker_per_queue_and_beat(api_client, worker_factory, tmp_path):
    worker_factory(queues=(QUEUE_INTERACTIVE,))
    response = api_client.get("/api/health/")
    assert response.status_code == 200  # the interactive queue has its worker: ready ...
    body = response.json()
    assert body["status"] == "degraded"  # ... though training has none, nor is beat running
    assert not body["checks"]["workers"]["queues"][QUEUE_TRAINING]["ok"] and not body["checks"]["beat"]["ok"]

    worker_factory(queues=(QUEUE_TRAINING, "housekeeping"))
    command = [sys.executable, "-m", "celery", "-A", "aeweb", "beat", "--schedule", str(tmp_path / "schedule")]
    log = open(TEST_VAR / "beat.log", "wb")
    beat = subprocess.Popen(command, cwd=ROOT, env=worker_environment(), stdout=log, stderr=subprocess.STDOUT)
    try:
        body = _until(lambda: (b := api_client.get("/api/health/").json())["status"] == "ok" and b or None)
    finally:
        beat.terminate()
        beat.wait(timeout=30)
    assert body["checks"]["beat"]["ok"] and body["checks"]["workers"]["count"] == 2
    for queue in QUEUES:
        assert body["checks"]["workers"]["queues"][queue]["ok"], queue


def test_a_stopped_worker_leaves_readiness_at_once(api_client, worker_factory):
    worker = worker_factory(queues=(QUEUE_INTERACTIVE,))
    assert api_client.get("/api/health/").status_code == 200
    worker.stop()  # a warm shutdown takes its heartbeat out
    assert api_client.get("/api/health/").status_code == 503


def test_readiness_is_cached_per_process_and_throttled(api_client, settings):
    settings.AEWEB_HEALTH_CACHE_SECONDS = 60
    first = health_check()
    assert health_check() is first  # many callers, one check
    settings.AEWEB_THROTTLE_HEALTH = "3/min"
    codes = [api_client.get("/api/health/").status_code for _ in range(4)]
    assert codes == [503, 503, 503, 429]
    assert api_client.get("/api/health/live/").status_code == 200  # liveness is not throttled
