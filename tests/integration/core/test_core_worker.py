"""Jobs through the real Redis broker and a real Celery worker process."""

from __future__ import annotations

import pytest

from apps.core import services
from tests.conftest import job_wait

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_selftest_job_runs_on_a_real_worker(celery_worker):
    job = services.job_create(kind="core.selftest", params={"steps": 4, "delay": 0.05})
    job = job_wait(job.id)
    assert job.status == "succeeded", job.error
    assert [h["epoch"] for h in job.history] == [1, 2, 3, 4] and job.attempts == 1


def test_running_job_can_be_cancelled(celery_worker):
    job = services.job_create(kind="core.selftest", params={"steps": 200, "delay": 0.05})
    job_wait(job.id, until=("running",))
    services.job_cancel(job=job)
    job = job_wait(job.id, until=("cancelled", "succeeded", "failed"))
    assert job.status == "cancelled" and job.progress < 1.0


def test_killed_worker_fails_the_job_and_a_retry_succeeds(worker_factory):
    worker = worker_factory()
    job = services.job_create(kind="core.selftest", params={"steps": 400, "delay": 0.05})
    job_wait(job.id, until=("running",))
    worker.kill()
    import time

    from apps.core.selectors import job_get
    from apps.core.tasks import jobs_reap

    deadline = time.monotonic() + 30
    while job_get(job.id).status == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
        assert job_get(job.id).status == "running"  # reading a job never reaps it ...
        jobs_reap()  # ... beat's reaper does (every 30 s in production; here at once)
    job.refresh_from_db()
    assert job.status == "failed" and "heartbeat" in job.error
    worker_factory()
    job.params = {"steps": 2, "delay": 0.0}
    job.save(update_fields=["params"])
    services.job_retry(job=job)
    job = job_wait(job.id)
    assert job.status == "succeeded" and job.attempts == 2
