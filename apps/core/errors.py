"""Domain errors: what services and selectors raise when a request cannot be met.

They know nothing of HTTP (HackSoft's `ApplicationError`): the API edge maps them to status
codes (apps.core.api_errors), the admin shows their message, the `train` command prints it.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A request the application refuses, with a message meant for the person who made it."""

    code = "error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(ApplicationError):
    """Bad input, naming the field (or several: `errors` maps each field to its messages)."""

    code = "invalid"

    def __init__(self, field: str = "", message: str = "", *, errors: dict[str, list[str]] | None = None) -> None:
        errors = dict(errors or {field: [message]})
        first_field, first = next(iter(errors.items()))
        super().__init__(f"{first_field}: {first[0]}", details=errors)
        self.errors = errors


class NotFound(ApplicationError):
    code = "not_found"


class Conflict(ApplicationError):
    """The request conflicts with the current state: an equal job is running, no model is active yet."""

    code = "conflict"


class RateLimited(ApplicationError):
    """The client has used up a budget (e.g. image megapixels per hour); `retry_after` seconds until it fits."""

    code = "throttled"

    def __init__(self, message: str, *, retry_after: float | None = None, details: dict[str, Any] | None = None):
        super().__init__(message, details=details)
        self.retry_after = retry_after


class ServiceUnavailable(ApplicationError):
    """Something the request needs (the broker, a model's files) is not there right now."""

    code = "unavailable"
