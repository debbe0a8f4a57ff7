"""The inpainting pages: the editor (pick or upload, paint the hole, fill), one result reachable only by its
uuid, and two small PNG views the editor draws from (an item sample; a mask drawn by the server)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from apps.core.errors import InvalidInput, NotFound
from apps.core.params import SEED_MAX
from apps.inpaint import params, samples, selectors
from apps.inpaint.serializers import baselines_with_urls
from apps.inpaint.slots import COVERAGE_MAX, ITEM_DATASET, MASK_KINDS, MASK_TITLES, PHOTO_DATASET, baseline_title


def _retention() -> dict:
    hours = settings.AEWEB_INPAINT_RETENTION_HOURS
    return {"retention_hours": int(hours) if float(hours).is_integer() else hours}


@ensure_csrf_cookie  # the editor posts to the API with the session's CSRF token
def index_page(request):
    item_model, photo_model = selectors.inpainter_active(ITEM_DATASET), selectors.inpainter_active(PHOTO_DATASET)
    config = {
        "api": reverse("api-inpaint"),
        "mask_url": reverse("inpaint:mask"),
        "coverage_max": COVERAGE_MAX,
        "kinds": list(MASK_KINDS),
        "max_bytes": settings.AEWEB_UPLOAD_MAX_BYTES,
    }
    return render(
        request,
        "inpaint/index.html",
        {
            "samples": samples.samples_for_page(),
            "item_model": item_model and selectors.model_line(item_model, "28×28 items"),
            "photo_model": photo_model and selectors.model_line(photo_model, "Photos"),
            "item_train": selectors.train_command(ITEM_DATASET),
            "photo_train": selectors.train_command(PHOTO_DATASET),
            "mask_kinds": [(kind, MASK_TITLES[kind]) for kind in MASK_KINDS],
            "coverage_max_pct": round(COVERAGE_MAX * 100),
            "max_mb": settings.AEWEB_UPLOAD_MAX_BYTES / 2**20,
            "max_mp": settings.AEWEB_UPLOAD_MAX_PIXELS / 1e6,
            "editor_config": config,
            **_retention(),
        },
    )


def result_page(request, request_id):
    try:
        found = selectors.inpaint_request_get(request_id=request_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    rows = []
    if found.output:
        rows.append({"name": "model", "title": f"{found.model_version.name if found.model_version else 'model'} "
                     "(ours)", "psnr": found.psnr, "ssim": found.ssim, "psnr_masked": found.psnr_masked,
                     "url": found.output.url, "ours": True})  # fmt: skip
        for name, scores in baselines_with_urls(found).items():
            rows.append({"name": name, "title": baseline_title(name), **scores, "ours": False})
        for key in ("psnr", "ssim", "psnr_masked"):  # the best value of each column is shown in bold
            values = [row[key] for row in rows if row[key] is not None]
            for row in rows:
                row[f"{key}_best"] = bool(values) and row[key] is not None and row[key] == max(values)
    return render(
        request,
        "inpaint/result.html",
        {
            "req": found,
            "job": found.job,
            "rows": rows,
            "mask_title": MASK_TITLES.get(found.mask_kind, found.mask_kind),
            "coverage_pct": found.coverage * 100,
            "skipped": [baseline_title(name) for name in found.baselines_skipped or ()],
            **_retention(),
        },
    )


@require_GET
@cache_control(max_age=3600)
def sample_png(request, name: str):
    """An item sample as a 28×28 PNG (the photos are static files)."""
    if not samples.sample_is_item(name):
        raise Http404("no such item sample")
    try:
        data, _ = samples.sample_bytes(name)
    except samples.SampleUnavailable:
        raise Http404("Fashion-MNIST is not on this machine") from None
    return HttpResponse(data, content_type="image/png")


@require_GET
def mask_png(request):
    """A mask of `kind` drawn for a `width`×`height` image (white = fill, transparent = keep), so the editor
    shows exactly the mask the server draws for the same kind, coverage and seed."""
    try:
        kind = request.GET.get("kind", "")
        if kind not in MASK_KINDS:
            raise InvalidInput("kind", f"must be one of {', '.join(MASK_KINDS)}")
        width, height = (_int_arg(request, key, 1, settings.AEWEB_UPLOAD_MAX_PIXELS) for key in ("width", "height"))
        if width * height > settings.AEWEB_UPLOAD_MAX_PIXELS:
            raise InvalidInput("width", "the image has more pixels than an upload may have")
        seed = _int_arg(request, "seed", 0, SEED_MAX)
        coverage = request.GET.get("coverage")
        try:
            coverage = float(coverage) if coverage not in (None, "") else None
        except ValueError:
            raise InvalidInput("coverage", "must be a number") from None
        params.coverage_check(coverage)
        from apps.inpaint.ml.masks import mask_make

        mask = mask_make(kind, height, width, coverage=coverage, seed=seed)
    except InvalidInput as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain")
    return HttpResponse(params.mask_overlay_png(mask), content_type="image/png")


def _int_arg(request, key: str, low: int, high: int) -> int:
    try:
        value = int(request.GET.get(key, ""))
    except ValueError:
        raise InvalidInput(key, "must be an integer") from None
    if not low <= value <= high:
        raise InvalidInput(key, f"must be in {low}..{high}")
    return value
