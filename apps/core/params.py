"""Checks every job validator shares: integers in a range, numbers in an interval, seeds.

Validators run in the web process before anything is stored or queued; each refusal is an
InvalidInput naming the field.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from typing import Any

from apps.core.errors import InvalidInput

SEED_MAX = 2**31 - 1


def int_option(low: int, high: int, *, strings: bool = False) -> Callable[[Any], int | None]:
    """A checker for an integer in low..high (or null): a JSON integer (2.0 counts), never a boolean.

    `strings`: integer strings are accepted too, where settings are meant to be typed as text (a training
    request's config, whose model settings Config.from_dict reads the same way). A job's params from the
    API are JSON-typed: "3" is not a count there.
    """

    def check(value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        text_ok = strings and isinstance(value, str) and value.strip().lstrip("-").isdigit()
        if isinstance(value, bool) or not (isinstance(value, int) or text_ok):
            raise ValueError(f"must be an integer in {low}..{high}")
        if not low <= int(value) <= high:
            raise ValueError(f"must be in {low}..{high}, not {value}")
        return int(value)

    return check


def param_int(params: dict, key: str, *, default: int | None, low: int, high: int) -> int | None:
    """An integer in low..high (a JSON integer: not "3", not true); missing or null gives `default`."""
    try:
        return int_option(low, high)(params.get(key, default))
    except ValueError as exc:
        raise InvalidInput(key, str(exc)) from None


def param_number(params: dict, key: str, *, default: float | None, high: float) -> float | None:
    """A finite number in (0, high]; missing or null gives `default`."""
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(key, f"must be a number in (0, {high:g}]" + (" or null" if default is None else ""))
    if not 0 < value <= high:
        raise InvalidInput(key, f"must be in (0, {high:g}], not {value}")
    return float(value)


def param_seed(params: dict, key: str = "seed") -> int:
    """The seed asked for, or one drawn now: in the web process, so a retried job makes the same output."""
    seed = param_int(params, key, default=None, low=0, high=SEED_MAX)
    return secrets.randbelow(SEED_MAX) if seed is None else seed
