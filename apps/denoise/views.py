"""The denoising pages: the upload form, and one result reachable only by its uuid."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from apps.core.errors import NotFound
from apps.core.photo_samples import samples_list
from apps.denoise import selectors
from apps.denoise.ml.config import DAE_DATASETS, SIGMA_MAX
from apps.denoise.params import DEMO_COUNT_DEFAULT


def _retention() -> dict:
    hours = settings.AEWEB_DENOISE_RETENTION_HOURS
    return {"retention_hours": int(hours) if float(hours).is_integer() else hours}


def _dae_demo() -> dict:
    """The 28×28 demo's part of the page: the data set's active autoencoder and its latest demo."""
    dataset = next((d for d in DAE_DATASETS if selectors.dae_active(d) is not None), DAE_DATASETS[0])
    dae = selectors.dae_active(dataset)
    latest = selectors.dae_demo_latest(dataset=dataset) if dae is not None else None
    return {
        "dae": dae,
        "dae_dataset": dataset,
        "dae_demo": (latest.result or {}) if latest is not None else None,
        "dae_demo_config": {
            "url": reverse("api-denoise-demo"),
            "body": {"dataset": dataset, "count": DEMO_COUNT_DEFAULT},
        },
    }


@ensure_csrf_cookie  # the form posts to the API with the session's CSRF token
def upload_page(request):
    return render(
        request,
        "denoise/upload.html",
        {
            "samples": samples_list(),
            "model": selectors.denoiser_active(),
            "sigma_max": int(SIGMA_MAX),
            "max_mb": settings.AEWEB_UPLOAD_MAX_BYTES / 2**20,
            "max_mp": settings.AEWEB_UPLOAD_MAX_PIXELS / 1e6,
            **_dae_demo(),
            **_retention(),
        },
    )


def result_page(request, request_id):
    try:
        found = selectors.denoise_request_get(request_id=request_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "denoise/result.html", {"req": found, "job": found.job, **_retention()})
