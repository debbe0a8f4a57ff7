"""The API edge of errors: one JSON shape, {"error": {"code", "message", "details"}}, for every failure.

Domain errors (apps.core.errors) become HTTP responses here and nowhere else.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.core.errors import ApplicationError, Conflict, InvalidInput, NotFound, RateLimited, ServiceUnavailable

# The most specific class wins (checked in this order); an ApplicationError not listed is a 400.
STATUS_BY_ERROR: tuple[tuple[type[ApplicationError], int], ...] = (
    (InvalidInput, 400),
    (NotFound, 404),
    (Conflict, 409),
    (RateLimited, 429),
    (ServiceUnavailable, 503),
)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


def application_error_status(exc: ApplicationError) -> int:
    return next((status for cls, status in STATUS_BY_ERROR if isinstance(exc, cls)), 400)


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


def suspicious_body(exc: SuspiciousOperation) -> tuple[dict[str, Any], int]:
    """(body, status) for what Django's request parsing refuses: a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    (413), too many form fields or files, a malformed multipart body (400)."""
    from django.conf import settings

    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = f"The request body is over {limit:,} bytes ({limit / 2**20:.1f} MB), the most this endpoint reads."
        return error_body("too_large", message, {"limit": limit}), 413
    return error_body("invalid", str(exc) or "The request cannot be read."), 400


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, SuspiciousOperation):
        body, status = suspicious_body(exc)
        return Response(body, status=status)
    if isinstance(exc, ApplicationError):
        response = Response(error_body(exc.code, exc.message, exc.details), status=application_error_status(exc))
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            response["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return response
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


def server_error(request):
    """handler500: JSON under /api/, the site's own error page (templates/500.html) elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", "Internal server error."), status=500)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)


def csrf_failure(request, reason: str = "") -> JsonResponse | HttpResponse:
    """JSON for API clients; Django's own page for forms in the browser."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("csrf_failed", f"CSRF check failed: {reason}"), status=403)
    from django.views.csrf import csrf_failure as default_failure

    return default_failure(request, reason=reason)


def bad_request(request, exception=None):
    """handler400: JSON under /api/ (a body Django refused before any view), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        if isinstance(exception, SuspiciousOperation):
            body, status = suspicious_body(exception)
            return JsonResponse(body, status=status)
        return JsonResponse(error_body("bad_request", "The request cannot be read."), status=400)
    from django.views.defaults import bad_request as default_bad_request

    return default_bad_request(request, exception)


def not_found(request, exception=None):
    """JSON under /api/ (whatever the path holds), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return json_404(request)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
