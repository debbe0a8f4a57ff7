"""Sending a job's message, and the sweeper that sends again the messages that were lost.

A job row is the truth, the message only a nudge: a job queued in the database whose message is
not waiting in the broker (Redis lost it, a worker took it and died before claiming the job, the
broker was restored from an older copy) is sent again. The sweeper looks before it sends: it
reads the broker's lists of waiting messages (one LRANGE per queue; each message carries its
job's id as its Celery task id) and sends only for jobs older than AEWEB_QUEUED_RESEND_SECONDS
that are in none of them. So a long queue of trainings waiting their turn is left alone, rather
than collecting one more duplicate per job on every sweep. A duplicate can still happen (a job
whose worker took its message and died before claiming it, a sweep racing a send); it is
harmless: job_claim runs a job only from "queued", so the second delivery does nothing.

Below the services (which create and retry jobs) and the runner (which hands a job back at
shutdown): both send through `job_send`.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.utils import timezone

from apps.core import registry
from apps.core.models import Job, JobStatus
from apps.core.queues import JOB_RUN_TASK, QUEUES

logger = logging.getLogger(__name__)

# One more try on a fresh connection: a pooled connection is dead after Redis restarted (that is not
# an outage); a broker that is down fails both at once (refused connections) and the caller says 503.
_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}
# kombu's Redis transport keeps a queue's messages of priority p > 0 in the list "<queue>\x06\x16<p>".
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def job_queue(job: Job) -> str:
    """The queue the job's kind uses now (a kind may have moved since the job was stored)."""
    kind = registry.jobkind_get(job.kind)
    return kind.queue if kind is not None else job.queue


def job_send(*, job: Job) -> None:
    """Send the job's message (its Celery task id is the job id); raises when the broker cannot take it."""
    queue = job_queue(job)
    if queue != job.queue:
        Job.objects.filter(id=job.id).update(queue=queue)
        job.queue = queue
    # The project's app is the current one once Django is set up (core does not import the project).
    current_app.send_task(
        JOB_RUN_TASK, args=[str(job.id)], task_id=str(job.id), queue=queue, retry=True, retry_policy=_RETRY
    )


def job_ids_waiting(queues: tuple[str, ...] = QUEUES) -> set[str]:
    """The ids of the jobs whose messages wait in the broker's lists (not those a worker holds)."""
    from apps.core.heartbeats import broker_client

    client = broker_client()
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        for suffix in _PRIORITY_SUFFIXES:
            pipe.lrange(queue + suffix, 0, -1)
    ids = set()
    for raw in (message for messages in pipe.execute() for message in messages):
        try:
            ids.add(str(json.loads(raw)["headers"]["id"]))
        except (ValueError, KeyError, TypeError):
            continue  # not a Celery message of ours
    return ids


def jobs_resend_lost(*, min_age: float | None = None, job_ids=None) -> int:
    """Send again the queued jobs older than `min_age` seconds whose message waits nowhere; the number sent."""
    min_age = settings.AEWEB_QUEUED_RESEND_SECONDS if min_age is None else min_age
    queued = Job.objects.filter(status=JobStatus.QUEUED, created_at__lte=timezone.now() - timedelta(seconds=min_age))
    if job_ids is not None:
        queued = queued.filter(id__in=list(job_ids))
    jobs = list(queued.order_by("created_at"))
    if not jobs:
        return 0
    waiting = job_ids_waiting()
    sent = 0
    for job in jobs:
        if str(job.id) in waiting:
            continue
        job_send(job=job)
        sent += 1
    if sent:
        logger.warning("sent %d queued job(s) again: their messages were lost", sent)
    return sent
