"""The representations pages: the wardrobe (maps), compare types, AE vs GAN. Server-rendered; the
wardrobe's map, decoding and encoding go through the API from static/representations/wardrobe.js."""

from __future__ import annotations

import math

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from apps.core.errors import ServiceUnavailable
from apps.core.ml.image_datasets import dataset_class_names
from apps.representations import selectors, services, serving
from apps.representations.ml.config import DATASETS
from apps.representations.slots import MAP_ORDER, NO_DECODER, NO_ENCODER, slot_title, why_no_decoder, why_no_encoder

# What each view of the wardrobe is, in the page's story: every item has a position, and a decoder
# turns an empty position into a new item. Shown under the view buttons when the view is picked.
ABOUT = {
    "pca": "PCA: the two directions in which the items vary most — the best a straight projection can do. "
    "Every spot decodes, to a blend of two “eigen-clothes” on the average item, so new items come out blurry.",
    "vanilla": "A fully connected autoencoder squeezed to two numbers: its encoder gives every item a position, "
    "its decoder sews any position back into an item — click an empty spot for a new piece of clothing.",
    "linear": "A linear autoencoder: no non-linearity, so it finds PCA's plane again (turned and stretched) "
    "by gradient descent.",
    "sparse": "A sparse autoencoder: few code units may be active at once, which makes its features parts and "
    "strokes; with two units its map is a rough one.",
    "conv": "A convolutional autoencoder: convolutions read and draw the image, so the same two numbers give "
    "sharper items than the fully connected one.",
    "denoising": "A denoising autoencoder, trained to rebuild clean items from noisy ones: a smoother wardrobe "
    "that shrugs off scribbles.",
    "vae": "A variational autoencoder: positions are pushed towards a standard normal, so the wardrobe has no "
    "holes — nearly every spot near the middle decodes to a plausible item.",
    "gan": "A GAN's generator: every spot is a new item, but it has no encoder, so it cannot give an existing "
    "item a position.",
    "tsne": "t-SNE lays the items out so that neighbours stay neighbours, often in clean islands per class — "
    "but only these items: an empty spot is no image, and a new item cannot be placed without fitting again.",
    "umap": "UMAP keeps neighbours together like t-SNE and more of the overall layout; placing a new item or "
    "decoding a spot needs its fitted model, which the web does not load, so here it is a map to look at.",
}


def _dataset(request) -> str:
    dataset = request.GET.get("dataset", "")
    return dataset if dataset in DATASETS else selectors.representation_dataset_default()


def _train_command(model: str, dataset: str, code: int | None = 2) -> str:
    sets = f" --set code={code}" if code is not None else ""
    return f"python manage.py train representation --dataset {dataset} --model {model}{sets}"


def _training(dataset: str, request) -> list[dict]:
    """Running and queued trainings of the data set, for the progress bars (the page reloads when one is done,
    so its new map or figures appear)."""
    return [
        {
            "id": job.id,
            "slot": str(job.params.get("model", "")),
            "model": slot_title(str(job.params.get("model", ""))),
            "done_url": request.get_full_path(),
        }
        for job in selectors.training_jobs_active(dataset=dataset)
    ]


def _map_config(view: dict) -> dict:
    """A map as wardrobe.js needs it: the API's description, its URLs, what it is and why it cannot decode
    or place an image when it cannot (said on the page, instead of a request that would be refused)."""
    slot = view["slot"]
    return {
        **view,
        "urls": _urls(view["version"]),
        "about": ABOUT.get(slot, ""),
        "no_decoder": "" if view["decode"] else _no_decoder(slot, view["code"]),
        "no_encoder": "" if view["encode"] else _no_encoder(slot),
    }


def _no_decoder(slot: str, code: int | None) -> str:
    if slot in NO_DECODER:
        return why_no_decoder(slot)
    return f"{slot_title(slot)} has no 2-D decoder here (code {code}); pick PCA, an autoencoder or the VAE."


def _no_encoder(slot: str) -> str:
    if slot in NO_ENCODER:
        return why_no_encoder(slot)
    return f"This {slot_title(slot)} version saved no encoder, so it cannot place an image."


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
    maps = [_map_config(view) for view in state["maps"]]
    shown = {view["slot"] for view in maps}
    training = _training(dataset, request)
    busy = {job["slot"] for job in training}
    missing = [
        {"title": slot_title(s), "command": _train_command(s, dataset), "training": s in busy}
        for s in MAP_ORDER
        if s not in shown
    ]
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
        "training": training,
        "quick": _train_command("pca", dataset),
        "sprite": sprite,
        "config": config,
    }
    return render(request, "representations/wardrobe.html", context)


def _square_columns(version, most: int = 16) -> int:
    """Columns for the sparse AE's filter grid: about square (16 filters 4×4, 128 filters 12 wide), at most
    `most` wide so each filter stays big enough to see."""
    count = len(serving.samples_get(version).get("filters", ()))
    return max(1, min(most, math.ceil(math.sqrt(count))))


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
            "filters": serving.samples_grid_url(sparse, "filters", columns=_square_columns(sparse)),
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
        "training": _training(dataset, request),
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
        "training": _training(dataset, request),
        "lecture": selectors.ae_vs_gan_lecture(used),
    }
    return render(request, "representations/gan.html", context)
