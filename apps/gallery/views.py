"""The gallery page: server-rendered grid with paging and filters; generation goes through the API."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from apps.gallery import selectors
from apps.gallery.models import ImageKind
from apps.gallery.slots import DATASETS

PAGE_SIZE = 48


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@ensure_csrf_cookie  # the page POSTs to the API, which checks CSRF for signed-in users
def gallery_page(request):
    dataset = request.GET.get("dataset", "")
    if dataset not in DATASETS:
        dataset = selectors.gallery_dataset_default()
    label = request.GET.get("label", "").replace("\x00", "")[:64]
    version = _int_or_none(request.GET.get("model_version"))
    kind = request.GET.get("kind", ImageKind.SAMPLE)
    if kind not in ImageKind.values and kind != "all":
        kind = ImageKind.SAMPLE
    images = selectors.image_list(
        label=label, model_version=version, kind="" if kind == "all" else kind, dataset=dataset
    )
    page = Paginator(images, PAGE_SIZE).get_page(request.GET.get("page"))
    state = selectors.gallery_state(dataset=dataset)
    versions = selectors.gallery_versions().filter(dataset=dataset)
    labels = selectors.label_choices(dataset=dataset)
    label_text = dict(labels)
    # New samples join the grid in place only where the grid shows samples of any label and version.
    filtered = bool(label or version) or kind not in (ImageKind.SAMPLE, "all")
    page.object_list = list(page.object_list)
    for image in [*page.object_list, *state["reconstructions"]]:  # MNIST's "seven" is read as 7
        image.label_shown = label_text.get(image.label, image.label)
    names = {v.id: f"{v.name} v{v.version}" for v in [*versions, *state["models"].values()]}
    config = {
        "dataset": dataset,
        "labelText": label_text,
        "versionNames": {str(key): value for key, value in names.items()},
        "filtered": filtered,
        "urls": {
            "images": reverse("api-gallery"),
            "generate": reverse("api-gallery-generate"),
            "interpolate": reverse("api-gallery-interpolate"),
            "latentMap": reverse("api-gallery-latent-map"),
            "reconstruct": reverse("api-gallery-reconstruct"),
        },
    }
    context = {
        **state,
        "datasets": [(d, selectors.dataset_title(d)) for d in DATASETS],
        "dataset_title": selectors.dataset_title(dataset),
        "page": page,
        "filters": {"label": label, "model_version": version, "kind": kind},
        "filtered": filtered,
        "versions": versions,
        "labels": labels,
        "first_job": None if page.paginator.count else selectors.generation_job_active(dataset=dataset),
        "kinds": ["all", *ImageKind.values],
        "config": config,
    }
    return render(request, "gallery/gallery.html", context)
