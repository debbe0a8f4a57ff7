"""The segmentation pages: pick a scene, an EM slice or upload; one result reachable only by its uuid.
And the samples' pictures, made here from their seed or read where the data lies."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from apps.core.errors import Conflict, NotFound
from apps.core.params import SEED_MAX
from apps.segment import samples, selectors
from apps.segment.ml.isbi import ISBI_TEST
from apps.segment.slots import (
    DATASET_TITLES,
    EM_DATASET,
    SCENE_SEEDS,
    SCENE_SIZE,
    SCENES_DATASET,
    SEGMENT_DATASETS,
    train_command,
)

SMALL_SIDE = 256  # images up to this size are shown enlarged, with sharp (pixelated) pixels


def _retention() -> dict:
    hours = settings.AEWEB_SEGMENT_RETENTION_HOURS
    return {"retention_hours": int(hours) if float(hours).is_integer() else hours}


def _model(dataset: str) -> dict:
    version = selectors.segmenter_active(dataset)
    return {
        "dataset": dataset,
        "title": DATASET_TITLES[dataset],
        "version": version,
        "model_title": selectors.model_title(version.name) if version else "",
        "figures": selectors.model_figures(version),
        "train_command": train_command(dataset),
    }


@ensure_csrf_cookie  # the page posts to the API with the session's CSRF token
def index_page(request):
    scenes_ok = samples.scenes_available()
    em = samples.em_slices()
    models = {dataset: _model(dataset) for dataset in SEGMENT_DATASETS}
    return render(
        request,
        "segment/index.html",
        {
            "scenes": [{"seed": s, "url": reverse("segment:scene", args=[s])} for s in SCENE_SEEDS]
            if scenes_ok
            else [],
            "scene_size": SCENE_SIZE,
            "em_slices": [{"index": i, "url": reverse("segment:em", args=[i]), "test": i in ISBI_TEST} for i in em],
            "scene_model": models[SCENES_DATASET],
            "em_model": models[EM_DATASET],
            "models": list(models.values()),
            "max_mb": settings.AEWEB_UPLOAD_MAX_BYTES / 2**20,
            "max_mp": settings.AEWEB_UPLOAD_MAX_PIXELS / 1e6,
            "segment_config": {
                "api": reverse("api-segment"),
                "scene_url": reverse("segment:scene", args=[0]).replace("/0.png", "/{seed}.png"),
                "seed_max": SEED_MAX,
            },
            **_retention(),
        },
    )


def _legend(found) -> list[dict]:
    iou = (found.scores or {}).get("iou") or {}
    rows = []
    for c in found.classes or []:
        area = c.get("area")
        rows.append({**c, "percent": None if area is None else 100.0 * area, "iou": iou.get(c["name"])})
    return rows


def result_page(request, request_id):
    try:
        found = selectors.segment_request_get(request_id=request_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(
        request,
        "segment/result.html",
        {
            "req": found,
            "job": found.job,
            "legend": _legend(found),
            "small": max(found.width, found.height) <= SMALL_SIDE,
            "dataset_title": DATASET_TITLES.get(found.dataset, found.dataset),
            "model_title": selectors.model_title(found.model_version.name) if found.model_version else "",
            "figures": selectors.model_figures(found.model_version),
            **_retention(),
        },
    )


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"  # a seed (or a slice) always gives the same picture
    return response


@require_GET
def scene_image(request, seed: int):
    """A generated scene's picture (the page's thumbnails and its "new scene"); the same seed, the same scene."""
    if not 0 <= seed <= SEED_MAX:
        raise Http404("a scene's seed is 0..2147483647")
    try:
        return _png(samples.scene_png(seed))
    except Conflict as exc:
        raise Http404(exc.message) from None


@require_GET
def em_image(request, index: int):
    """A small picture of an EM slice, where this server has the data set."""
    if index not in samples.em_slices():
        raise Http404("no such EM slice on this server")
    return _png(samples.em_thumb_png(index))
