"""Worker lifecycle hooks of the representations app: UMAP's numba code compiled before the first UMAP job.

UMAP compiles its numba functions in each process on first use (about 16 s of CPU on these
machines; most are not cached on disk), which a first UMAP training would otherwise count in its
`fit_seconds`. The compile has to happen in the process that runs the jobs: the prefork pool's
children are forked before `worker_ready` fires, so a warm-up in the worker's parent would reach
none of them (and the parent must stay free of heavy work). So each pool child of a worker that
takes trainings compiles them in a background thread at the lowest priority when it starts. A
worker that also serves the interactive queue skips it: someone may be waiting on that one.
`AEWEB_MAPS_WARM=0` turns it off. Any failure only logs: the first UMAP job compiles them then.
"""

from __future__ import annotations

import logging
import os
import threading

from celery.signals import worker_process_init

logger = logging.getLogger(__name__)


def _warm_wanted() -> bool:
    from django.conf import settings

    from aeweb.celery import app
    from apps.core.queues import QUEUE_INTERACTIVE, QUEUE_TRAINING

    if not getattr(settings, "AEWEB_MAPS_WARM", os.environ.get("AEWEB_MAPS_WARM", "1") != "0"):
        return False
    queues = set(app.amqp.queues.consume_from or app.amqp.queues)
    return QUEUE_TRAINING in queues and QUEUE_INTERACTIVE not in queues


def _warm() -> None:
    try:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)  # this thread only (Linux)
        except OSError:
            pass
        from apps.representations.ml.baselines import maps_warm

        seconds = maps_warm()
        logger.info("UMAP's numba code compiled in %.1f s", seconds)
    except Exception:
        logger.exception("warming the map baselines failed; the first UMAP job compiles them itself")


@worker_process_init.connect
def maps_warm_in_pool_process(**_kwargs) -> None:
    try:
        if _warm_wanted():
            threading.Thread(target=_warm, name="maps-warm", daemon=True).start()
    except Exception:
        logger.exception("could not start warming the map baselines")
