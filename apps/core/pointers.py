"""Active pointers remembered for a moment, for endpoints that serve a model on every request.

Under load the database round trip costs more than a whole recommendation, so the hot
endpoints read (version id, activated_at) from memory for up to AEWEB_ACTIVE_MODEL_TTL
seconds (default 1). An activation made in this process is seen at once (CoreConfig.ready
connects `pointers_forget` to ActiveModel's signals); one made elsewhere (a worker) within
the TTL. "No model" is never remembered, so a first model serves as soon as it is active.
A TTL of 0 reads the database every time.
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import connection, transaction

from apps.core.models import ActiveModel

POINTER_TTL = 1.0  # seconds; settings.AEWEB_ACTIVE_MODEL_TTL overrides

Pointer = tuple[int, datetime]  # (model version id, activated_at)
_pointers: dict[tuple[str, str, str], tuple[float, Pointer]] = {}


@cache
def _pointer_sql() -> str:
    meta = ActiveModel._meta
    quote = connection.ops.quote_name
    version, activated, kind, dataset, slot = (
        quote(meta.get_field(name).column) for name in ("model_version", "activated_at", "kind", "dataset", "slot")
    )
    return (
        f"SELECT {version}, {activated} FROM {quote(meta.db_table)} "
        f"WHERE {kind} = %s AND {dataset} = %s AND {slot} = %s"
    )


def _pointer_read(target: tuple[str, str, str]) -> Pointer | None:
    # Plain SQL: building the equivalent ORM query costs more than running it.
    with connection.cursor() as cursor:
        cursor.execute(_pointer_sql(), list(target))
        return cursor.fetchone()


def active_pointer(*, kind: str, dataset: str, slot: str = "default") -> Pointer | None:
    """(model version id, activated_at) of the active version, remembered for up to the TTL."""
    target = (kind, dataset, slot)
    ttl = float(getattr(settings, "AEWEB_ACTIVE_MODEL_TTL", POINTER_TTL))
    now = time.monotonic()
    remembered = _pointers.get(target)
    if remembered is not None and now - remembered[0] < ttl:
        return remembered[1]
    pointer = _pointer_read(target)
    if pointer is None or ttl <= 0:
        _pointers.pop(target, None)
    else:
        _pointers[target] = (now, pointer)
    return pointer


def pointers_forget(**_kwargs) -> None:
    """Forget every remembered pointer (signal receiver, tests)."""
    _pointers.clear()
    if connection.in_atomic_block:
        # Again after the commit: a request in another thread may have read the old row before it.
        transaction.on_commit(_pointers.clear)
