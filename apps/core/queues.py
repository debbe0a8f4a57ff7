"""The Celery queues, named once by the kind of work. Imports nothing, so settings, celery.py and every app can use it.

Each queue has its own worker process(es), so that a training run never holds up a user waiting
for a generated image, and housekeeping (reaping dead jobs, re-sending lost messages, purges)
keeps its rhythm whatever else runs.
"""

from __future__ import annotations

# Seconds of work for someone waiting at a page: generation, denoising, the self-test.
QUEUE_INTERACTIVE = "interactive"
# Minutes to hours: every `train.*` job (apps.core.registry.Training puts its job kind here).
QUEUE_TRAINING = "training"
# The platform's own periodic work: the reaper, the sweeper (re-sends lost messages), purges.
QUEUE_HOUSEKEEPING = "housekeeping"
QUEUES = (QUEUE_INTERACTIVE, QUEUE_TRAINING, QUEUE_HOUSEKEEPING)

# The one task every job runs through (apps.core.tasks.job_run); services send it by this name,
# so sending a job does not import the worker code that runs it.
JOB_RUN_TASK = "apps.core.tasks.job_run"
JOBS_REAP_TASK = "apps.core.tasks.jobs_reap"
JOBS_RESEND_TASK = "apps.core.tasks.jobs_resend_lost"

# The names of the release before queues by kind of work, kept for apps written against it: both
# served jobs people wait for. New code names the kind of work.
QUEUE_GPU = QUEUE_INTERACTIVE
QUEUE_DEFAULT = QUEUE_INTERACTIVE
