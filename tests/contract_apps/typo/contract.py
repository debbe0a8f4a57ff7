"""An app whose contract names a handler that does not exist (a typo): Django must not start."""

from apps.core import diagnostics
from apps.core.queues import QUEUE_INTERACTIVE
from apps.core.registry import AppContract, JobKind

APP = AppContract(
    label="typo",
    title="typo",
    jobs=(JobKind(name="typo.run", handler=diagnostics.selftest_jb, queue=QUEUE_INTERACTIVE, title="typo"),),
)
