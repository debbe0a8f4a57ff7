"""The denoising pages: the upload form, and one result reachable only by its uuid."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from rest_framework.exceptions import NotFound

from apps.denoise import selectors
from apps.denoise.samples import samples_list


def _retention() -> dict:
    hours = settings.AEWEB_DENOISE_RETENTION_HOURS
    return {"retention_hours": int(hours) if float(hours).is_integer() else hours}


@ensure_csrf_cookie  # the form posts to the API with the session's CSRF token
def upload_page(request):
    return render(
        request,
        "denoise/upload.html",
        {
            "samples": samples_list(),
            "model": selectors.denoiser_active(),
            "max_mb": settings.AEWEB_UPLOAD_MAX_BYTES / 2**20,
            "max_mp": settings.AEWEB_UPLOAD_MAX_PIXELS / 1e6,
            **_retention(),
        },
    )


def result_page(request, request_id):
    try:
        found = selectors.denoise_request_get(request_id=request_id)
    except NotFound as exc:
        raise Http404(str(exc.detail)) from None
    return render(request, "denoise/result.html", {"req": found, "job": found.job, **_retention()})
