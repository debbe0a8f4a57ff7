"""One JSON error shape for the whole API: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class InvalidInput(exceptions.ValidationError):
    """Bad input from a service, naming the field: becomes a 400."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__({field: [message]})


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"
    default_detail = "A service the request needs is unavailable."


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


def _message_from(detail: Any) -> str:
    """A one-line summary of DRF's nested detail that names the first field."""
    if isinstance(detail, dict):
        for field, value in detail.items():
            inner = _message_from(value)
            return inner if field == "non_field_errors" else f"{field}: {inner}"
        return "Invalid input."
    if isinstance(detail, list):
        return _message_from(detail[0]) if detail else "Invalid input."
    return str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        # A wrong content type is the client's input error like any other: a 400.
        exc = exceptions.ValidationError(
            {"content_type": [f"{exc.detail} Send JSON with Content-Type: application/json."]}
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
    if isinstance(exc, exceptions.APIException) and isinstance(exc.detail, str):
        code = getattr(exc.detail, "code", None) or code
        details: Any = {}
    else:
        details = detail
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        detail, details = detail["detail"], {}
    response.data = error_body(str(code), _message_from(detail), details)
    return response


def json_404(request, exception=None, **_kwargs) -> JsonResponse:
    return JsonResponse(error_body("not_found", "No such page or resource."), status=404)


def json_500(request) -> JsonResponse:
    return JsonResponse(error_body("server_error", "Internal server error."), status=500)


def csrf_failure(request, reason: str = "") -> JsonResponse | HttpResponse:
    """JSON for API clients; Django's own page for forms in the browser."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("csrf_failed", f"CSRF check failed: {reason}"), status=403)
    from django.views.csrf import csrf_failure as default_failure

    return default_failure(request, reason=reason)


def not_found(request, exception=None):
    """JSON under /api/ (whatever the path holds), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return json_404(request)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
