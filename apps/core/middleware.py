"""Request bodies refused from their declared size, before a byte of them is read.

Django reads a body only when a view (or CSRF's check of a form) asks for it, and then reads all
of it: a 150 MB upload sat in memory before the upload check said "over 10 MB". This middleware
runs once the URL is resolved and before any view or CSRF check touches the body:

- `Content-Length` above the view's limit: 413 at once (the JSON error shape under /api/).
- no `Content-Length` but `Transfer-Encoding: chunked`: read at most the limit plus one byte into
  a spooled temporary file; over the limit is a 413, within it the view reads it as usual
  (Django by itself would see an empty body).

The limit: a view's `body_max_bytes` (an int, or a callable reading settings), else
`AEWEB_API_BODY_MAX_BYTES` under /api/ (JSON bodies) and `AEWEB_BODY_MAX_BYTES` elsewhere (admin
forms). This is for WSGI (gunicorn, `make run`): Django's ASGI handler reads the whole body before
any middleware runs. Behind a proxy, set its body limit too (nginx `client_max_body_size`): it is cheaper to
refuse there than in a web process.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from apps.core.api_errors import error_body, not_found
from apps.core.errors import NotFound

CHUNK = 64 * 1024


def body_limit(request: HttpRequest, view_func: Callable) -> int:
    declared = getattr(getattr(view_func, "cls", None), "body_max_bytes", None)
    if declared is None:
        declared = getattr(view_func, "body_max_bytes", None)
    if declared is not None:
        return int(declared() if callable(declared) else declared)
    if request.path_info.startswith("/api/"):
        return int(settings.AEWEB_API_BODY_MAX_BYTES)
    return int(settings.AEWEB_BODY_MAX_BYTES)


def too_large(request: HttpRequest, *, limit: int, size: int | None) -> HttpResponse:
    said = f"{size:,} bytes" if size is not None else "more than that"
    message = f"The request body is {said}; this endpoint takes at most {limit:,} bytes ({limit / 2**20:.1f} MB)."
    if request.path_info.startswith("/api/"):
        details = {"limit": limit, **({"content_length": size} if size is not None else {})}
        return JsonResponse(error_body("too_large", message, details), status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class BodyLimitMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args, view_kwargs) -> HttpResponse | None:
        length = request.META.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not length.strip() and not chunked:
            return None
        limit = body_limit(request, view_func)
        if length.strip():
            try:
                size = int(length)
            except ValueError:
                return self._bad_length(request, length)
            if size < 0:
                return self._bad_length(request, length)
            return too_large(request, limit=limit, size=size) if size > limit else None
        return self._spool_chunked(request, limit)

    @staticmethod
    def _bad_length(request: HttpRequest, length: str) -> HttpResponse:
        message = f"Content-Length {length[:40]!r} is not a number of bytes."
        if request.path_info.startswith("/api/"):
            return JsonResponse(error_body("bad_request", message), status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _spool_chunked(request: HttpRequest, limit: int) -> HttpResponse | None:
        """Read a chunked body (the server has de-chunked it) up to the limit; hand it to the view."""
        stream = getattr(request, "environ", {}).get("wsgi.input")  # WSGI (gunicorn); ASGI has read it all

        if stream is None:
            return None
        spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
        size = 0
        while size <= limit:
            chunk = stream.read(min(CHUNK, limit + 1 - size))
            if not chunk:
                break
            spool.write(chunk)
            size += len(chunk)
        if size > limit:
            spool.close()
            return too_large(request, limit=limit, size=None)
        spool.seek(0)
        # Django sized its stream from the missing Content-Length (0 bytes): give it the body read here.
        request.META["CONTENT_LENGTH"] = str(size)
        request._stream = LimitedStream(spool, size)
        request._read_started = False
        return None


class NotFoundPageMiddleware:
    """A page whose selector raised `NotFound` (a job, a result or a model version that is not there, or no
    longer is) answers with the 404 page, not a server error. The API's own handler answers first under
    /api/, so only pages reach this."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, NotFound):
            return None
        return not_found(request, Http404(exception.message))
