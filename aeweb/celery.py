"""The Celery application. Queue names live in apps.core.queues."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

from apps.core.queues import QUEUE_DEFAULT, QUEUES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeweb.settings")

app = Celery("aeweb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = tuple(Queue(name) for name in QUEUES)
app.conf.task_default_queue = QUEUE_DEFAULT
app.autodiscover_tasks()
