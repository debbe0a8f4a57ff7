"""The one cache of loaded models per process, keyed by model version and checksum.

Workers keep torch models here, the web process NumPy serving arrays: a model is read from
disk (after its sha256 is checked) the first time a version is used, then reused until it
falls out of the cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings

from apps.core.artifacts import artifact_verify

if TYPE_CHECKING:
    from apps.core.models import ModelVersion

T = TypeVar("T")


class LoadedCache:
    """Least recently used values by key. Loads run under the lock, so a model is loaded once even
    when two requests ask for it at the same moment."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, key: tuple, load: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            value = load()
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache = LoadedCache(size=getattr(settings, "AEWEB_MODEL_CACHE_SIZE", 8))


def loaded_get(key: tuple, load: Callable[[], T]) -> T:
    """A value loaded once per process under `key`; the key must change whenever the value would."""
    return _cache.get(key, load)


def model_loaded(
    version: ModelVersion, load: Callable[[Path], T], *, artifact: str = "checkpoint", purpose: str = "model"
) -> T:
    """`load(path)` of one of the version's artifacts, checked against its sha256 on first use.

    `purpose` tells apart two things loaded from the same file (a torch model and its arrays)."""
    info = version.artifacts[artifact]
    return _cache.get((version.id, info["sha256"], artifact, purpose), lambda: load(artifact_verify(info)))


def loaded_clear() -> None:
    """Forget every loaded model (tests; a process that must reload)."""
    _cache.clear()
