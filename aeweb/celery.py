"""The Celery application. Queues are named once, here."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeweb.settings")

QUEUE_DEFAULT = "default"
QUEUE_GPU = "gpu"  # training, generation, denoising: the heavy work

app = Celery("aeweb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue(QUEUE_DEFAULT), Queue(QUEUE_GPU))
app.conf.task_default_queue = QUEUE_DEFAULT
app.autodiscover_tasks()
