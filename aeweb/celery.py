"""The Celery application. Queue names live in apps.core.queues."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

from apps.core.heartbeats import WorkerHeartbeat
from apps.core.queues import QUEUE_HOUSEKEEPING, QUEUES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeweb.settings")

app = Celery("aeweb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = tuple(Queue(name) for name in QUEUES)
app.conf.task_default_queue = QUEUE_HOUSEKEEPING
# Each worker tells Redis which queues it consumes, every few seconds: /api/health/ reads that
# instead of pinging workers from the request.
app.steps["worker"].add(WorkerHeartbeat)
app.autodiscover_tasks()
