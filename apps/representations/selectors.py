"""Reads for the representations app: its versions, the maps the wardrobe offers, the figures tables.

Selectors never write and never load a model: what a version can do is read from its slot and
its artifacts (serving.py loads the arrays when a request needs them).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.core.errors import NotFound
from apps.core.ml.image_datasets import dataset_class_names
from apps.core.models import ACTIVE_STATUSES, Job, ModelVersion
from apps.core.selectors import id_possible, model_versions_active
from apps.representations.ml.config import DATASETS
from apps.representations.slots import (
    AUTOENCODERS,
    DEFAULT_DATASET,
    MAP_CODE,
    MAP_ORDER,
    NO_DECODER,
    NO_ENCODER,
    REPRESENTATION_KIND,
    TRAIN_JOB_KIND,
    slot_title,
)

LABELS_PER_CLASS = ("10", "100", "1000", "all")  # the probes' x axis: labelled examples per class
MAP_FIGURES = {  # the map table's columns: output name -> metric name
    "knn_acc": "map_knn_acc",
    "trustworthiness": "map_trustworthiness",
    "continuity": "map_continuity",
    "fit_seconds": "fit_seconds",
    "ms_per_image": "map_ms_per_image",
}
GAN_FIGURES = (
    "frechet",
    "precision",
    "recall",
    "class_coverage",
    "class_max_share",
    "test_recon_error",
    "fit_seconds",
)
SPARSITY_FIGURES = ("mean_activation", "active_fraction", "dead_fraction")


# --- versions -------------------------------------------------------------------------------


def representation_versions(*, dataset: str = "") -> QuerySet[ModelVersion]:
    """Every representation version (of one data set), newest first."""
    versions = ModelVersion.objects.filter(kind=REPRESENTATION_KIND)
    if dataset:
        versions = versions.filter(dataset=dataset)
    return versions.order_by("-created_at", "-id")


def representation_version_get(*, version_id: int) -> ModelVersion:
    """A representation version by id: 404 for any other id, including other kinds' versions."""
    version = (
        ModelVersion.objects.filter(id=version_id, kind=REPRESENTATION_KIND).first()
        if id_possible(version_id)
        else None
    )
    if version is None:
        raise NotFound(f"No representation model version {version_id}.")
    return version


def representation_dataset_default() -> str:
    """Fashion-MNIST unless only another data set has representation versions."""
    datasets = set(representation_versions().values_list("dataset", flat=True).distinct())
    if DEFAULT_DATASET in datasets or not datasets:
        return DEFAULT_DATASET
    return sorted(d for d in datasets if d in DATASETS)[0] if datasets & set(DATASETS) else DEFAULT_DATASET


def version_code(version: ModelVersion) -> int | None:
    code = (version.config or {}).get("code")
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def version_abilities(version: ModelVersion) -> dict[str, bool]:
    """What the web can do with a version, from its slot and artifacts: show its map (an embedding of the
    test images), decode a point of it (a 2-D code and a decoder), encode an image (an encoder)."""
    serving = "serving" in (version.artifacts or {})
    return {
        "map": "embedding" in (version.artifacts or {}),
        "decode": serving and version.slot not in NO_DECODER and version_code(version) == MAP_CODE,
        "encode": serving and version.slot not in NO_ENCODER,
    }


def versions_in_use(*, dataset: str) -> dict[str, ModelVersion]:
    """{slot: version} for each slot with a version: the active one, else the newest."""
    used = {slot: v for (ds, slot), v in model_versions_active(kind=REPRESENTATION_KIND).items() if ds == dataset}
    for version in representation_versions(dataset=dataset):
        used.setdefault(version.slot, version)
    return used


def map_versions(*, dataset: str) -> list[ModelVersion]:
    """The maps of the wardrobe, in MAP_ORDER: per slot, the active version when its code is 2 and it has an
    embedding, else the newest version that has both."""
    active = {slot: v for (ds, slot), v in model_versions_active(kind=REPRESENTATION_KIND).items() if ds == dataset}
    chosen: dict[str, ModelVersion] = {}
    for slot, version in active.items():
        if version_code(version) == MAP_CODE and version_abilities(version)["map"]:
            chosen[slot] = version
    for version in representation_versions(dataset=dataset):
        if version.slot not in chosen and version_code(version) == MAP_CODE and version_abilities(version)["map"]:
            chosen[version.slot] = version
    return [chosen[slot] for slot in MAP_ORDER if slot in chosen]


def map_view(version: ModelVersion) -> dict[str, Any]:
    """One map as the wardrobe page and the API describe it."""
    metrics = version.metrics or {}
    return {
        "version": version.id,
        "slot": version.slot,
        "model": version.name,
        "title": slot_title(version.slot),
        "label": f"{slot_title(version.slot)} v{version.version}",
        "code": version_code(version),
        **version_abilities(version),
        "figures": {key: _number(metrics.get(name)) for key, name in MAP_FIGURES.items()},
    }


def training_jobs_active(*, dataset: str = "") -> list[Job]:
    jobs = Job.objects.filter(kind=TRAIN_JOB_KIND, status__in=ACTIVE_STATUSES)
    if dataset:
        jobs = jobs.filter(params__dataset=dataset)
    return list(jobs)


# --- the figures tables -------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """A metric as a JSON number, or None when it is missing or not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


def _newest_per_code(versions: list[ModelVersion]) -> dict[tuple[str, int], ModelVersion]:
    """{(slot, code): the newest version} among `versions` (newest first)."""
    out: dict[tuple[str, int], ModelVersion] = {}
    for version in versions:
        code = version_code(version)
        if code is not None:
            out.setdefault((version.slot, code), version)
    return out


def reconstruction_table(versions: list[ModelVersion]) -> dict[str, Any]:
    """Test reconstruction error against code size, one series per autoencoder type and PCA.

    PCA's points are its own versions' errors, completed by the PCA error each autoencoder's trainer
    measured at the same code size on the same split (`pca_recon_error`)."""
    newest = _newest_per_code(versions)
    series: dict[str, dict[int, dict]] = {}
    pca_from_ae: dict[int, dict] = {}
    for (slot, code), version in newest.items():
        metrics = version.metrics or {}
        error = _number(metrics.get("test_recon_error"))
        if error is not None and (slot in AUTOENCODERS or slot == "pca"):
            series.setdefault(slot, {})[code] = {"code": code, "error": error, "version": version.id}
        pca = _number(metrics.get("pca_recon_error"))
        if pca is not None and slot != "pca":
            pca_from_ae.setdefault(code, {"code": code, "error": pca, "version": version.id})
    for code, point in pca_from_ae.items():
        series.setdefault("pca", {}).setdefault(code, point)
    codes = sorted({code for points in series.values() for code in points})
    return {
        "code_sizes": codes,
        "series": [
            {"model": slot, "title": slot_title(slot), "points": [series[slot][c] for c in sorted(series[slot])]}
            for slot in MAP_ORDER
            if slot in series
        ],
    }


def probe_table(used: dict[str, ModelVersion]) -> list[dict[str, Any]]:
    """Linear-probe and kNN accuracy of each type's features, by labelled examples per class."""
    rows = []
    for slot in MAP_ORDER:
        version = used.get(slot)
        if version is None:
            continue
        metrics = version.metrics or {}
        cells = [
            {
                "labels": n,
                "probe_acc": _number(metrics.get(f"probe_acc_{n}")),
                "probe_std": _number(metrics.get(f"probe_std_{n}")),
                "knn_acc": _number(metrics.get(f"knn_acc_{n}")),
                "knn_std": _number(metrics.get(f"knn_std_{n}")),
            }
            for n in LABELS_PER_CLASS
        ]
        if any(cell["probe_acc"] is not None or cell["knn_acc"] is not None for cell in cells):
            rows.append(_row_head(version) | {"cells": cells})
    return rows


def _row_head(version: ModelVersion) -> dict[str, Any]:
    return {
        "model": version.slot,
        "title": slot_title(version.slot),
        "version": version.id,
        "code": version_code(version),
    }


def maps_table(maps: list[ModelVersion]) -> list[dict[str, Any]]:
    """How well each 2-D map keeps neighbours, and what it costs."""
    return [_row_head(v) | {k: _number((v.metrics or {}).get(m)) for k, m in MAP_FIGURES.items()} for v in maps]


def gan_table(used: dict[str, ModelVersion]) -> list[dict[str, Any]]:
    """Sample quality and coverage of the generative types (VAE, GAN) side by side."""
    return [
        _row_head(used[slot]) | {name: _number((used[slot].metrics or {}).get(name)) for name in GAN_FIGURES}
        for slot in ("vae", "gan")
        if slot in used
    ]


def sparsity_table(used: dict[str, ModelVersion]) -> list[dict[str, Any]]:
    return [
        _row_head(used[slot]) | {name: _number((used[slot].metrics or {}).get(name)) for name in SPARSITY_FIGURES}
        for slot in ("vanilla", "sparse", "conv", "denoising", "linear")
        if slot in used and any(name in (used[slot].metrics or {}) for name in SPARSITY_FIGURES)
    ]


def compare_tables(*, dataset: str) -> dict[str, Any]:
    """Every figures table of one data set (GET /api/representations/compare/)."""
    versions = list(representation_versions(dataset=dataset))
    used = versions_in_use(dataset=dataset)
    return {
        "dataset": dataset,
        "labels_per_class": list(LABELS_PER_CLASS),
        "reconstruction": reconstruction_table(versions),
        "probes": probe_table(used),
        "maps": maps_table(map_versions(dataset=dataset)),
        "sparsity": sparsity_table(used),
        "ae_vs_gan": gan_table(used),
    }


# --- pages ---------------------------------------------------------------------------------------


def wardrobe_state(*, dataset: str) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "class_names": dataset_class_names(dataset),
        "maps": [map_view(v) for v in map_versions(dataset=dataset)],
        "training": training_jobs_active(dataset=dataset),
    }


def _figure(version: ModelVersion | None, name: str, label: str) -> dict[str, Any] | None:
    value = _number((version.metrics or {}).get(name)) if version is not None else None
    return None if value is None else {"label": label, "value": value, "version": version.id}


def ae_vs_gan_lecture(used: dict[str, ModelVersion]) -> list[dict[str, Any]]:
    """The lecture's comparison of autoencoders (here the VAE) and GANs, each cell backed by the measured
    figures of the versions in use where one exists: [{"aspect", "ae": {"text", "figures"}, "gan": {...}}]."""
    vae, gan = used.get("vae"), used.get("gan")

    def cell(text: str, version: ModelVersion | None, *figures: tuple[str, str]) -> dict[str, Any]:
        found = [_figure(version, name, label) for name, label in figures]
        return {"text": text, "figures": [f for f in found if f is not None]}

    def code(version: ModelVersion | None) -> list[dict[str, Any]]:
        size = version_code(version) if version is not None else None
        return [{"label": "code size", "value": size, "version": version.id}] if size is not None else []

    rows = [
        {
            "aspect": "Architecture",
            "ae": {"text": "An encoder and a decoder: image → code → image.", "figures": code(vae)},
            "gan": {
                "text": "A generator and a discriminator: noise → image, and image → real or fake.",
                "figures": code(gan),
            },
        },
        {
            "aspect": "Training",
            "ae": cell(
                "One loss, minimised by gradient descent: stable, the loss goes down.",
                vae,
                ("fit_seconds", "seconds to train"),
            ),
            "gan": cell(
                "A two-player min-max game, updated in turn: it can oscillate or collapse onto a few modes.",
                gan,
                ("fit_seconds", "seconds to train"),
            ),
        },
        {
            "aspect": "Objective",
            "ae": cell(
                "Reconstruct the input (VAE: plus a KL term that keeps codes near the prior).",
                vae,
                ("test_recon_error", "test reconstruction error"),
            ),
            "gan": cell("Fool the discriminator; nothing is reconstructed.", gan),
        },
        {
            "aspect": "Encoder",
            "ae": cell(
                "Every image gets a code: maps, features for a classifier, search.",
                vae,
                ("probe_acc_all", "linear probe accuracy"),
                ("knn_acc_all", "kNN accuracy"),
            ),
            "gan": cell("None: a GAN cannot tell which code made an image.", gan),
        },
        {
            "aspect": "Samples: fidelity",
            "ae": cell(
                "Often blurry: the pixel loss averages the plausible images.",
                vae,
                ("frechet", "Fréchet distance (lower is better)"),
                ("precision", "precision"),
            ),
            "gan": cell(
                "Sharp: the discriminator punishes blur.",
                gan,
                ("frechet", "Fréchet distance (lower is better)"),
                ("precision", "precision"),
            ),
        },
        {
            "aspect": "Samples: coverage",
            "ae": cell(
                "Covers the data: every training image has to be reconstructed.",
                vae,
                ("recall", "recall"),
                ("class_coverage", "classes covered"),
            ),
            "gan": cell(
                "May drop parts of the data (mode collapse): nothing asks it to cover every image.",
                gan,
                ("recall", "recall"),
                ("class_coverage", "classes covered"),
            ),
        },
    ]
    return rows


def home_card() -> dict:
    from django.urls import reverse

    return {
        "title": "Representations",
        "url": reverse("representations:wardrobe"),
        "description": "The autoencoder family side by side on Fashion-MNIST: explore the 2-D maps of the test "
        "images (PCA, each autoencoder, VAE, t-SNE, UMAP), decode any point, place your own drawing; compare "
        "reconstruction, features and samples against PCA and a GAN.",
        "lines": home_card_lines(),
    }


def home_card_lines() -> list[str]:
    lines = []
    for dataset in DATASETS:
        maps = map_versions(dataset=dataset)
        if maps:
            lines.append(f"{dataset}: maps " + ", ".join(slot_title(v.slot) for v in maps))
    count = representation_versions().count()
    if count:
        lines.append(f"{count} trained version{'s' if count != 1 else ''}")
    else:
        lines.append("No model yet: `manage.py train representation --model pca --set code=2` or `seed_demo`.")
    return lines
