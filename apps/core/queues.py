"""The Celery queues, named once. Imports nothing, so settings, celery.py and every app can use it."""

from __future__ import annotations

QUEUE_DEFAULT = "default"  # housekeeping and light work: self-test, reaper, purges
QUEUE_GPU = "gpu"  # training, generation, denoising: the heavy work, on a GPU when the worker has one
QUEUES = (QUEUE_DEFAULT, QUEUE_GPU)

# The one task every job runs through (apps.core.tasks.job_run); services send it by this name,
# so sending a job does not import the worker code that runs it.
JOB_RUN_TASK = "apps.core.tasks.job_run"
JOBS_REAP_TASK = "apps.core.tasks.jobs_reap"
