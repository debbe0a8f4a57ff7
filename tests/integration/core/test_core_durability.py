"""Nothing lost, nobody starved: real Celery workers, a real Redis with its append-only file, real kills.

Each test that kills Redis starts one of its own (persistent, in a temporary folder, as `make run`
starts it) and points the app and its workers at it; the shared test Redis is never killed.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from apps.core import services
from apps.core.dispatch import job_ids_waiting
from apps.core.errors import ServiceUnavailable
from apps.core.heartbeats import broker_client
from apps.core.models import Job
from apps.core.queues import QUEUE_INTERACTIVE, QUEUE_TRAINING
from apps.core.runner import HANDBACK_MESSAGE
from apps.core.tasks import jobs_reap
from tests.conftest import DATA_DIR, job_wait
from tests.integration.core.brokers import OwnRedis, broker_at

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_redis(tmp_path, settings):
    redis = OwnRedis(tmp_path / "redis")
    with broker_at(redis.url, settings):
        yield redis
    redis.kill()


def _selftests(count: int, **params) -> list[Job]:
    return [
        services.job_create(kind="core.selftest", params={"steps": 2, "delay": 0.2, **params}) for _ in range(count)
    ]


def test_kill_9_of_everything_then_a_restart_runs_every_queued_job_once(own_redis, worker_factory):
    worker = worker_factory(queues=(QUEUE_INTERACTIVE,))
    running, *queued = _selftests(6, steps=100, delay=0.1)  # the first runs ~10 s: killed in the middle
    job_wait(running.id, until=("running",))
    assert Job.objects.filter(id__in=[j.id for j in queued], status="queued").count() == 5

    worker.kill()  # the whole process group, then Redis: nothing gets to clean up or save
    own_redis.kill()
    own_redis.start()  # the same port and data folder, as the next `make run` does

    for job in queued:  # quick ones from now on
        Job.objects.filter(id=job.id).update(params={"steps": 1, "delay": 0.0})
    worker_factory(queues=(QUEUE_INTERACTIVE,))
    for job in queued:
        job = job_wait(job.id)
        assert job.status == "succeeded" and job.attempts == 1, (job.status, job.attempts, job.error)

    # The job that was running when its worker died is failed by the reaper (once its heartbeat is
    # older than AEWEB_HEARTBEAT_TIMEOUT) and a retry runs it: it was never run twice at once.
    deadline = time.monotonic() + 60
    while Job.objects.get(id=running.id).status == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
        jobs_reap()
    running.refresh_from_db()
    assert running.status == "failed" and "heartbeat" in running.error and running.attempts == 1
    Job.objects.filter(id=running.id).update(params={"steps": 1, "delay": 0.0})
    services.job_retry(job=running)
    running = job_wait(running.id)
    assert running.status == "succeeded" and running.attempts == 2


def test_messages_survive_a_redis_kill_and_lost_ones_are_sent_again_at_worker_start(own_redis, worker_factory):
    kept = _selftests(3, steps=1, delay=0.0)  # no worker yet: their messages wait in Redis
    lost = _selftests(2, steps=1, delay=0.0)
    client = broker_client()
    for raw in client.lrange(QUEUE_INTERACTIVE, 0, -1):  # two messages vanish, as after a crash without AOF
        if json.loads(raw)["headers"]["id"] in {str(job.id) for job in lost}:
            client.lrem(QUEUE_INTERACTIVE, 1, raw)
    own_redis.kill()

    count = Job.objects.count()
    with pytest.raises(ServiceUnavailable):  # the outage: refused, and nothing stored
        services.job_create(kind="core.selftest", params={"steps": 1})
    assert Job.objects.count() == count

    own_redis.start()
    assert job_ids_waiting() == {str(job.id) for job in kept}  # what Redis had answered for is back
    time.sleep(1.2)
    # The worker's start-up sweep sends the lost ones again (queued for more than a second here).
    worker_factory(queues=(QUEUE_INTERACTIVE,), env={"AEWEB_QUEUED_RESEND_SECONDS": "1"})
    for job in kept + lost:
        job = job_wait(job.id)
        assert job.status == "succeeded" and job.attempts == 1, (job.status, job.error)
    assert job_ids_waiting() == set()


def test_a_worker_stopping_hands_its_job_back_and_the_next_worker_runs_it(worker_factory):
    worker = worker_factory(queues=(QUEUE_INTERACTIVE,))
    job = _selftests(1, steps=200, delay=0.05)[0]
    job_wait(job.id, until=("running",))
    os.kill(worker.proc.pid, signal.SIGTERM)  # warm shutdown: the worker waits for its job ...
    time.sleep(0.5)
    assert Job.objects.get(id=job.id).status == "running"
    os.killpg(worker.proc.pid, signal.SIGTERM)  # ... until its pool process is told to stop too
    worker.proc.wait(timeout=30)
    job.refresh_from_db()
    assert job.status == "queued" and job.message == HANDBACK_MESSAGE, worker.log.read_text()[-4000:]
    assert str(job.id) in job_ids_waiting()  # sent again at once, for the next worker

    Job.objects.filter(id=job.id).update(params={"steps": 1, "delay": 0.0})
    worker_factory(queues=(QUEUE_INTERACTIVE,))
    job = job_wait(job.id)
    assert job.status == "succeeded" and job.attempts == 2


def test_an_interactive_job_completes_while_a_training_runs(worker_factory):
    if not (DATA_DIR / "fashion-mnist").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    worker_factory(queues=(QUEUE_TRAINING,), env={"AEWEB_TORCH_THREADS": "1"})
    worker_factory(queues=(QUEUE_INTERACTIVE,))
    config = {"epochs": 10000, "train_count": 64, "test_count": 1, "iwae_k": 0}
    training = services.training_job_start(kind="vae", dataset="fashion-mnist", model="mlp", config=config)
    assert training.queue == QUEUE_TRAINING
    deadline = time.monotonic() + 120
    while not Job.objects.get(id=training.id).history:  # training: epochs going by
        assert time.monotonic() < deadline, Job.objects.get(id=training.id).error or "training never got going"
        time.sleep(0.2)

    quick = _selftests(1, steps=2, delay=0.05)[0]
    assert quick.queue == QUEUE_INTERACTIVE
    quick = job_wait(quick.id, timeout=60)
    assert quick.status == "succeeded"
    assert Job.objects.get(id=training.id).status == "running"  # the training had not ended: nobody waited for it

    services.job_cancel(job=training)
    assert job_wait(training.id).status == "cancelled"
