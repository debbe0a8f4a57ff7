"""The API's rate limits (DRF throttles), counted in the shared cache by apps.core.rate_limits.

DRF's own throttles keep a list of timestamps per client, read and written back without a lock:
in a per-process cache every gunicorn worker has its own count (two workers let twice the rate
through), and in a shared one concurrent requests overwrite each other's writes. These count with
the cache's atomic increments instead, and read their rates from settings on every request.

The client is the user when signed in, else the address DRF's `get_ident` gives: `REMOTE_ADDR`,
or with `NUM_PROXIES` = N > 0 the address the Nth proxy from the end of `X-Forwarded-For` saw
(setting `AEWEB_NUM_PROXIES`, default 0: a client's own `X-Forwarded-For` is never believed).
"""

from __future__ import annotations

import hashlib
import math

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from apps.core.rate_limits import Charge, cache_key, counter_charge


def client_ident(request) -> str:
    """Who a request counts against: the signed-in user, else the client's address (see module doc)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user-{user.pk}"
    return f"ip-{_ident(request)}"


def _ident(request) -> str:
    """DRF's reading of the address: REMOTE_ADDR, or X-Forwarded-For as far as NUM_PROXIES trusts it."""
    return BaseThrottle().get_ident(request) or "unknown"


# --- DRF throttles ---------------------------------------------------------------------------


class SharedRateThrottle(SimpleRateThrottle):
    """DRF's throttle interface over `counter_charge`. The rate is read from settings on each request
    (DRF reads its rates once at import, which a test or a settings change could not move)."""

    def __init__(self) -> None:  # the rate is read per request, not at construction
        self.charge: Charge | None = None

    def get_rate(self) -> str | None:
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate set for the {self.scope!r} scope")
        return rates[self.scope]

    def ident_key(self, request, view) -> str | None:
        """The client part of the key, or None when this throttle does not apply."""
        raise NotImplementedError

    def get_cache_key(self, request, view) -> str | None:
        ident = self.ident_key(request, view)
        return None if ident is None else cache_key("throttle", str(self.scope), ident)

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        # DRF asks every throttle even after one said no: once a request is refused, the later
        # throttles do not count it (an address over its login limit spends no username's attempts).
        if key is None or getattr(request, "_aeweb_throttled", False):
            return True
        self.charge = counter_charge(key, amount=1, limit=self.num_requests, duration=self.duration)
        if not self.charge.allowed:
            request._aeweb_throttled = True
        return self.charge.allowed

    def wait(self) -> float | None:
        if self.charge is None or self.charge.wait is None:
            return None
        return math.ceil(self.charge.wait)


class AnonThrottle(SharedRateThrottle):
    """Anonymous clients, per address ("anon" rate)."""

    scope = "anon"

    def ident_key(self, request, view) -> str | None:
        return None if request.user and request.user.is_authenticated else client_ident(request)


class UserThrottle(SharedRateThrottle):
    """Every client, per user or address ("user" rate)."""

    scope = "user"

    def ident_key(self, request, view) -> str | None:
        return client_ident(request)


class ScopedThrottle(SharedRateThrottle):
    """Per client at the rate of the view's `throttle_scope` (like DRF's ScopedRateThrottle)."""

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope:
            return True
        return super().allow_request(request, view)

    def ident_key(self, request, view) -> str | None:
        return client_ident(request)


class LoginThrottle(SharedRateThrottle):
    """Password attempts per client address ("login" rate): each one costs a slow password hash."""

    scope = "login"

    def ident_key(self, request, view) -> str | None:
        return _ident(request) if request.method == "POST" else None


class LoginUsernameThrottle(SharedRateThrottle):
    """Password attempts per username, from any address ("login-username" rate): guessing one
    account's password from many addresses is as slow as from one."""

    scope = "login-username"

    def ident_key(self, request, view) -> str | None:
        if request.method != "POST":
            return None
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username:
            return None  # the serializer refuses it before any password is checked
        return hashlib.sha256(username.casefold().encode()).hexdigest()[:32]
