"""Sending jobs, the sweeper that sends lost messages again, retrying queued jobs, and attempts as fences.

Against the real database and the real Redis (a database of its own on the test Redis, emptied
first), without a worker: the messages are looked at where the broker keeps them.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from apps.core import diagnostics, services
from apps.core.dispatch import job_ids_waiting, jobs_resend_lost
from apps.core.errors import Conflict, ServiceUnavailable
from apps.core.heartbeats import broker_client
from apps.core.job_status import job_finish, jobs_reap_stale
from apps.core.models import Job, JobStatus
from apps.core.queues import QUEUE_INTERACTIVE
from apps.core.registry import AppContract, JobKind, app_register, registry_isolated
from apps.core.runner import JobReporter, JobStopped, job_claim, job_hand_back
from tests.integration.core.brokers import broker_at
from tests.integration.core.test_core_api import broker_down

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(settings):
    """The test Redis, database 13: empty at the start of each test."""
    with broker_at(urlsplit(settings.CELERY_BROKER_URL)._replace(path="/13").geturl(), settings):
        client = broker_client()
        client.flushdb()
        yield client
        client.flushdb()


def _messages(client, queue: str = QUEUE_INTERACTIVE) -> list[str]:
    return [json.loads(raw)["headers"]["id"] for raw in client.lrange(queue, 0, -1)]


def _age(job: Job, seconds: float) -> Job:
    Job.objects.filter(id=job.id).update(created_at=timezone.now() - timedelta(seconds=seconds))
    job.refresh_from_db()
    return job


def test_a_job_is_sent_to_its_kinds_queue_with_its_id(broker):
    job = services.job_create(kind="core.selftest", params={"steps": 1})
    assert job.queue == QUEUE_INTERACTIVE
    assert _messages(broker) == [str(job.id)]
    assert job_ids_waiting() == {str(job.id)}


def test_the_sweeper_sends_again_only_old_queued_jobs_whose_message_is_gone(broker, settings):
    settings.AEWEB_QUEUED_RESEND_SECONDS = 60
    waiting = _age(services.job_create(kind="core.selftest", params={"steps": 1}), 120)
    lost = _age(services.job_create(kind="core.selftest", params={"steps": 2}, enqueue=False), 120)
    young = services.job_create(kind="core.selftest", params={"steps": 3}, enqueue=False)
    running = _age(services.job_create(kind="core.selftest", params={"steps": 4}, enqueue=False), 120)
    Job.objects.filter(id=running.id).update(status="running", heartbeat_at=timezone.now())

    assert jobs_resend_lost() == 1
    assert sorted(_messages(broker)) == sorted([str(waiting.id), str(lost.id)])  # no duplicate of `waiting`
    assert jobs_resend_lost() == 0  # now it waits in the queue: nothing more to send
    assert str(young.id) not in _messages(broker)  # may still be on its way: younger than the grace


def test_the_sweeper_moves_a_job_of_an_earlier_release_to_its_kinds_queue_now(broker):
    job = _age(services.job_create(kind="core.selftest", params={"steps": 1}, enqueue=False), 3600)
    Job.objects.filter(id=job.id).update(queue="gpu")  # the queue it was stored with before queues by kind
    assert jobs_resend_lost() == 1
    assert Job.objects.get(id=job.id).queue == QUEUE_INTERACTIVE and _messages(broker) == [str(job.id)]


def test_a_long_queued_job_can_be_retried_and_a_young_one_cannot(broker, settings):
    settings.AEWEB_QUEUED_RESEND_SECONDS = 60
    job = services.job_create(kind="core.selftest", params={"steps": 1}, enqueue=False)
    with pytest.raises(Conflict, match="can be sent again after 60 s"):
        services.job_retry(job=job)
    job = _age(job, 61)
    retried = services.job_retry(job=job)
    assert retried.status == "queued" and retried.attempts == 0 and _messages(broker) == [str(job.id)]
    services.job_retry(job=retried)  # its message waits already: not sent twice
    assert _messages(broker) == [str(job.id)]


def test_retry_while_the_broker_is_down_is_503_and_changes_nothing(broker):
    job = services.job_create(kind="core.selftest", params={"steps": 1}, enqueue=False)
    job_claim(job.id)
    job_finish(job_id=job.id, status=JobStatus.FAILED, error="boom", message="Failed.")
    job.refresh_from_db()
    before = Job.objects.filter(id=job.id).values().get()
    with broker_down(), pytest.raises(ServiceUnavailable):
        services.job_retry(job=job)
    assert Job.objects.filter(id=job.id).values().get() == before


def test_create_while_the_broker_is_down_stores_nothing(broker):
    with broker_down(), pytest.raises(ServiceUnavailable):
        services.job_create(kind="core.selftest", params={"steps": 1})
    assert not Job.objects.exists()


LOCKED = JobKind(
    name="locktest.run",
    handler=diagnostics.selftest_job,
    validator=diagnostics.selftest_params_validate,
    queue=QUEUE_INTERACTIVE,
    title="a self-test that locks on its steps",
    lock_on=("steps",),
)


@pytest.mark.parametrize("end", ["succeeded", "failed", "cancelled", "reaped"])
def test_a_lock_never_outlives_its_job(end, settings):
    with registry_isolated():
        app_register(AppContract(label="locktest", title="lock test", jobs=(LOCKED,)))
        first = services.job_create(kind="locktest.run", params={"steps": 1}, enqueue=False)
        with pytest.raises(Conflict):
            services.job_create(kind="locktest.run", params={"steps": 1}, enqueue=False)
        if end == "cancelled":
            services.job_cancel(job=first)
        elif end == "reaped":
            stale = timezone.now() - timedelta(seconds=settings.AEWEB_HEARTBEAT_TIMEOUT + 5)
            Job.objects.filter(id=first.id).update(status="running", heartbeat_at=stale)
            assert jobs_reap_stale() == 1
        else:
            job_claim(first.id)
            job_finish(job_id=first.id, status=end)
        assert Job.objects.get(id=first.id).status == ("failed" if end == "reaped" else end)
        second = services.job_create(kind="locktest.run", params={"steps": 1}, enqueue=False)
    assert second.status == "queued"  # the lock went with the job that held it


def test_a_job_handed_back_at_shutdown_is_queued_and_sent_again(broker):
    job = services.job_create(kind="core.selftest", params={"steps": 1}, enqueue=False)
    claimed = job_claim(job.id)
    job_hand_back(job=claimed)
    job.refresh_from_db()
    assert job.status == "queued" and "Handed back" in job.message and job.started_at is None
    assert _messages(broker) == [str(job.id)]


def test_a_runner_that_lost_its_attempt_cannot_write_over_the_next_one():
    job = services.job_create(kind="core.selftest", params={"steps": 1}, enqueue=False)
    old = job_claim(job.id)  # attempt 1: its worker dies; the reaper fails it; a retry claims attempt 2
    Job.objects.filter(id=job.id).update(status="failed")
    Job.objects.filter(id=job.id).update(status="queued")
    new = job_claim(job.id)
    assert (old.attempts, new.attempts) == (1, 2)
    with pytest.raises(JobStopped):
        JobReporter(old).update(progress=0.5)  # the old runner, come back to life, is told to stop
    assert not job_finish(job_id=job.id, status="succeeded", attempt=old.attempts)
    assert Job.objects.get(id=job.id).status == "running"
    assert job_finish(job_id=job.id, status="succeeded", attempt=new.attempts)
    assert job_claim(job.id) is None  # a redelivered message does nothing
