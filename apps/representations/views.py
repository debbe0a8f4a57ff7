"""The representations pages: the wardrobe (maps), compare types, AE vs GAN. Server-rendered; the
wardrobe's map, decoding and encoding go through the API from static/representations/wardrobe.js."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from apps.core.errors import ServiceUnavailable
from apps.core.ml.image_datasets import dataset_class_names
from apps.representations import selectors, services, serving
from apps.representations.ml.config import DATASETS
from apps.representations.slots import MAP_ORDER, slot_title


def _dataset(request) -> str:
    dataset = request.GET.get("dataset", "")
    return dataset if dataset in DATASETS else selectors.representation_dataset_default()


def _train_command(model: str, dataset: str, code: int | None = 2) -> str:
    sets = f" --set code={code}" if code is not None else ""
    return f"python manage.py train representation --dataset {dataset} --model {model}{sets}"


def _urls(version_id: int) -> dict[str, str]:
    return {
        "embedding": reverse("api-representations-embedding", args=[version_id]),
        "decode": reverse("api-representations-decode", args=[version_id]),
        "encode": reverse("api-representations-encode", args=[version_id]),
    }


@ensure_csrf_cookie  # the page POSTs to the API, which checks CSRF for signed-in users
def wardrobe_page(request):
    dataset = _dataset(request)
    state = selectors.wardrobe_state(dataset=dataset)
    sprite = services.sprite_sheet_ensure(dataset=dataset)
    maps = [{**view, "urls": _urls(view["version"])} for view in state["maps"]]
    shown = {view["slot"] for view in maps}
    missing = [{"title": slot_title(s), "command": _train_command(s, dataset)} for s in MAP_ORDER if s not in shown]
    config = {
        "dataset": dataset,
        "classNames": state["class_names"],
        "maps": maps,
        "sprite": sprite.as_json() if sprite else None,
    }
    context = {
        **state,
        "datasets": DATASETS,
        "maps": maps,
        "missing": [m for m in missing if m["title"] != "GAN"],  # a GAN has no map of the test images
        "sprite": sprite,
        "config": config,
    }
    return render(request, "representations/wardrobe.html", context)


def compare_page(request):
    dataset = _dataset(request)
    tables = selectors.compare_tables(dataset=dataset)
    used = selectors.versions_in_use(dataset=dataset)
    ordered = [used[slot] for slot in MAP_ORDER if slot in used]
    reconstructions, recon_note = None, ""
    try:
        reconstructions = serving.reconstruction_rows(dataset=dataset, versions=ordered)
    except ServiceUnavailable as exc:
        recon_note = exc.message
    sparse = used.get("sparse")
    sparse_view = None
    if sparse is not None:
        sparse_view = {
            "version": sparse,
            "filters": serving.samples_grid_url(sparse, "filters", columns=14),
            "histogram": serving.activation_histogram(sparse),
        }
    charts = {
        "reconstruction": tables["reconstruction"],
        "probes": tables["probes"],
        "labelsPerClass": tables["labels_per_class"],
    }
    context = {
        "dataset": dataset,
        "datasets": DATASETS,
        "tables": tables,
        "reconstructions": reconstructions,
        "recon_note": recon_note,
        "class_names": dataset_class_names(dataset),
        "sparse": sparse_view,
        "charts": charts,
        "commands": {
            "sizes": [_train_command("vanilla", dataset, code) for code in (2, 8, 32)]
            + [_train_command("pca", dataset, code) for code in (2, 8, 32)],
            "sparse": _train_command("sparse", dataset, None),
            "probes": _train_command("conv", dataset, 32),
        },
    }
    return render(request, "representations/compare.html", context)


def gan_page(request):
    dataset = _dataset(request)
    used = selectors.versions_in_use(dataset=dataset)
    sides = []
    for slot in ("vae", "gan"):
        version = used.get(slot)
        sides.append(
            {
                "slot": slot,
                "title": slot_title(slot),
                "version": version,
                "samples": serving.samples_grid_url(version) if version is not None else None,
                "command": _train_command(slot, dataset, None),
            }
        )
    context = {
        "dataset": dataset,
        "datasets": DATASETS,
        "sides": sides,
        "figures": selectors.gan_table(used),
        "lecture": selectors.ae_vs_gan_lecture(used),
    }
    return render(request, "representations/gan.html", context)
