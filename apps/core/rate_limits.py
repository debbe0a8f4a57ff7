"""Counters in the shared cache (Redis) that every web process and thread sees: rate limits and budgets.

A client's count is two integer counters in the cache (this window and the one before), changed
only with the cache's atomic increment, and weighed as a sliding window: the previous window's
count times the share of it that still lies within the last `duration` seconds, plus this
window's. A refused charge is taken back at once, so refusals do not count.

When the cache cannot be reached the counts go on in this process's memory for a while
(`AEWEB_THROTTLE_CACHE_RETRY_SECONDS`), with a warning in the log: a Redis outage weakens the
limits to per-process ones, it does not turn every request into a 500.

No DRF here: services use it too (the denoiser's pixel budget); the API's throttles are in
apps.core.throttling.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError

from apps.core.errors import InvalidInput, RateLimited

logger = logging.getLogger(__name__)

CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)

# Where counts go while the shared cache is down: this process only.
FALLBACK = LocMemCache("aeweb-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
_state = {"down_until": 0.0}
_state_lock = threading.Lock()


def _cache_call(operation: Callable[[Any], Any]) -> Any:
    """`operation(cache)` on the shared cache, or on this process's memory while it is unreachable."""
    if time.monotonic() >= _state["down_until"]:
        try:
            return operation(caches[settings.AEWEB_THROTTLE_CACHE])
        except CACHE_ERRORS as exc:
            retry = float(settings.AEWEB_THROTTLE_CACHE_RETRY_SECONDS)
            with _state_lock:
                _state["down_until"] = time.monotonic() + retry
            logger.warning(
                "rate limits: the shared cache is unreachable (%s); counting per process for %.0f s", exc, retry
            )
    return operation(FALLBACK)


def shared_cache_retry_now() -> None:
    """Try the shared cache on the next count again (tests; after an outage is known to be over)."""
    _state["down_until"] = 0.0


# --- the counter ---------------------------------------------------------------------------


@dataclass
class Charge:
    """The outcome of counting `amount` against a limit; `refund()` takes an allowed charge back."""

    allowed: bool
    wait: float | None = None  # seconds until the same amount would be allowed (None: never)
    count: float = 0.0  # the weighted count after this charge (or without it, when refused)
    _refund: Callable[[], None] | None = field(default=None, repr=False)

    def refund(self) -> None:
        if self._refund is not None:
            refund, self._refund = self._refund, None
            refund()


def sliding_wait(
    *, previous: int, current: int, elapsed: float, duration: float, limit: int, amount: int
) -> float | None:
    """Seconds from now until `amount` more fits under `limit`, when nothing else is counted meanwhile.

    The weighted count is `previous * (1 - elapsed / duration) + current`; it falls as the previous
    window slides out, and in the next window `current` becomes the previous one.
    """
    room = limit - amount  # the weighted count must fall to this
    if room < 0:
        return None
    if current <= room:
        if previous <= 0:
            return 0.0
        needed = duration * (1 - (room - current) / previous)  # elapsed time in this window
        if needed < duration:
            return max(0.0, needed - elapsed)
    needed_next = duration * (1 - room / current) if current > room else 0.0
    return (duration - elapsed) + max(0.0, needed_next)


def _increment(cache, key: str, amount: int, timeout: int) -> int:
    try:
        return cache.incr(key, amount)
    except ValueError:  # no such key yet: the first count of this window
        if cache.add(key, amount, timeout):
            return amount
        return cache.incr(key, amount)


def counter_charge(key: str, *, amount: int, limit: int, duration: int, now: float | None = None) -> Charge:
    """Count `amount` for `key` if the sliding-window count stays within `limit` per `duration` s.

    Atomic across processes: each window's count only moves by the cache's increment, and a
    refused charge is taken back at once (refusals do not count).
    """
    now = time.time() if now is None else now
    window = int(now // duration)
    elapsed = now - window * duration
    current_key, previous_key = f"{key}:{window}", f"{key}:{window - 1}"
    timeout = 2 * duration + 60  # the current window's key outlives the next window

    def operation(cache) -> Charge:
        current = _increment(cache, current_key, amount, timeout)
        previous = cache.get(previous_key) or 0
        weighted = previous * (1 - elapsed / duration) + current
        if weighted > limit:
            cache.decr(current_key, amount)
            wait = sliding_wait(
                previous=previous, current=current - amount, elapsed=elapsed, duration=duration, limit=limit,
                amount=amount,
            )  # fmt: skip
            return Charge(False, wait=wait, count=weighted - amount)
        return Charge(
            True, wait=0.0, count=weighted, _refund=lambda: _cache_call(lambda c: c.decr(current_key, amount))
        )

    return _cache_call(operation)


def cache_key(*parts: str) -> str:
    return ":".join([settings.AEWEB_THROTTLE_KEY_PREFIX, *parts])


# --- pixel budget -----------------------------------------------------------------------------


def pixel_budget_charge(*, client: str, pixels: int, scope: str = "denoise") -> Charge:
    """Count `pixels` of image work against the client's hourly budget (`AEWEB_PIXEL_BUDGET_MEGAPIXELS`
    per hour, shared by every web process). Refused charges do not count."""
    limit = int(float(settings.AEWEB_PIXEL_BUDGET_MEGAPIXELS) * 1_000_000)
    return counter_charge(cache_key("pixels", scope, client), amount=pixels, limit=limit, duration=3600)


def pixel_budget_take(
    *, client: str, width: int, height: int, done: str = "processed", passes: int = 1, why: str = ""
) -> Charge:
    """Charge a width×height image to the client's pixel budget (one budget for every image app: denoising,
    inpainting, segmentation), or refuse it: InvalidInput for an image larger than the whole budget (waiting
    would not help), RateLimited with the wait otherwise. No client (the command line): nothing is counted.
    `passes` counts an image the model runs over several times (a self-ensemble) that many times, since
    the budget bounds the work; `why` names the reason in a refusal. The caller refunds the charge when
    the request fails after it."""
    if not client:
        return Charge(True)
    pixels = width * height * passes
    size = f"{width}×{height} image ({width * height / 1e6:.1f} megapixels"
    size += f", counted {passes}× for {why or f'{passes} passes'})" if passes > 1 else ")"
    charge = pixel_budget_charge(client=client, pixels=pixels)
    if charge.allowed:
        return charge
    budget = settings.AEWEB_PIXEL_BUDGET_MEGAPIXELS
    if charge.wait is None:
        raise InvalidInput(
            "image", f"the {size} is more than the {budget:g} megapixels a client may have {done} per hour",
        )  # fmt: skip
    minutes = max(1, round(charge.wait / 60))
    raise RateLimited(
        f"This client has had about {charge.count / 1e6:.1f} of its {budget:g} megapixels per hour {done}; "
        f"this {size} fits again in about {minutes} min.",
        retry_after=charge.wait,
        details={"megapixels": round(pixels / 1e6, 3), "budget_megapixels_per_hour": budget},
    )
