"""The core app's own contract: the self-test job (queue, worker and progress, no torch)."""

from __future__ import annotations

from apps.core import diagnostics
from apps.core.queues import QUEUE_INTERACTIVE
from apps.core.registry import AppContract, JobKind

APP = AppContract(
    label="core",
    title="Jobs and models",
    jobs=(
        JobKind(
            name="core.selftest",
            handler=diagnostics.selftest_job,
            validator=diagnostics.selftest_params_validate,
            queue=QUEUE_INTERACTIVE,
            title="Self-test: queue, worker and progress",
        ),
    ),
)
