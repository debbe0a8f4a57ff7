"""The gallery's part of `seed_demo`: register the shipped weights, else start quick training jobs.

Shipped weights live in apps/gallery/weights/ (written by `manage.py gallery_export_weights`):
one fp16 checkpoint per slot and data set, `weights.json` (what seed_demo reads) and
MODEL_CARD.md (what people read). Registering needs no torch: the file is checked against its
sha256 and copied into the artifact folder as it is. Then a first generation job per data set
with a model, so a first visit finds images (or watches them arrive) instead of an empty page.
"""

from __future__ import annotations

import json
from pathlib import Path

from apps.core import services as core_services
from apps.core.errors import ApplicationError
from apps.core.ml.image_datasets import dataset_available
from apps.core.models import ModelVersion
from apps.core.selectors import job_active, model_versions_active
from apps.gallery import services
from apps.gallery.models import GeneratedImage, ImageKind
from apps.gallery.slots import DATASETS, DEFAULT_DATASET, SLOT_DEFAULT, SLOT_FOR_MODEL, VAE_KIND

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MANIFEST_NAME = "weights.json"
# Small enough for `make run` on a 2-core CPU to finish within minutes; good enough to look at.
QUICK_TRAINING = {
    model: {"epochs": 4, "train_count": 20000, "width": 16, "hidden": 128, "test_count": 1000, "iwae_k": 20}
    for model in ("conv", "conditional", "latent2d")
}
# The first images a visitor sees: one small generation job per data set with a model, fixed seed
# (the same faces on every fresh machine), on the interactive queue so it runs in seconds.
FIRST_IMAGES = {"count": 24, "seed": 0}


def weights_manifest(folder: Path = WEIGHTS_DIR) -> list[dict]:
    path = folder / MANIFEST_NAME
    return json.loads(path.read_text())["weights"] if path.exists() else []


def weights_register(*, entry: dict, folder: Path = WEIGHTS_DIR) -> tuple[ModelVersion, bool]:
    """(version, created): a shipped checkpoint as a ModelVersion, active when its slot has none yet."""
    return core_services.model_version_register_file(
        source=folder / entry["file"],
        sha256=entry["sha256"],
        relpath=f"vae/{entry['dataset']}/shipped/{entry['sha256'][:12]}-{entry['file']}",
        kind=entry["kind"],
        slot=entry["slot"],
        dataset=entry["dataset"],
        name=entry["name"],
        config=entry["config"],
        metrics=entry.get("metrics", {}),
        history=entry.get("history", []),
        card=f"Shipped weights ({entry['file']}, fp16). {entry.get('card', '')} Made by: {entry.get('command')}",
    )


def demo_seed(*, out, train: bool = True) -> None:
    for entry in weights_manifest():
        try:
            version, created = weights_register(entry=entry)
        except (OSError, ValueError) as exc:
            out.write(f"Gallery: shipped weights {entry.get('file')} not used: {exc}")
            continue
        if created:
            out.write(f"Gallery: registered the shipped {version} from {entry['file']}")
    if train:
        first_images_queue(out=out)
    dataset = DEFAULT_DATASET
    active = model_versions_active(kind=VAE_KIND)
    missing = [model for model in QUICK_TRAINING if (dataset, SLOT_FOR_MODEL[model]) not in active]
    if not missing:
        return
    if not dataset_available(dataset):
        # No download from here: seed_demo must not hang on a machine without internet. The
        # first `train vae` downloads the files where there is internet.
        out.write(
            f"Gallery: {dataset} not found (AEWEB_DATA_DIR, {DEFAULT_DATASET} cache, system folders) and no "
            "shipped weights: the gallery stays empty until `manage.py train vae` has run (it downloads the data)."
        )
        return
    if not train:
        return
    for model in missing:
        if job_active(kind="train.vae", dataset=dataset, model=model) is not None:
            continue
        job = core_services.training_job_start(kind="vae", dataset=dataset, model=model, config=QUICK_TRAINING[model])
        out.write(f"Gallery: started quick training of the {model} VAE on {dataset}: /jobs/{job.id}/")


def first_images_queue(*, out) -> list:
    """Queue FIRST_IMAGES for each data set whose default model is there but that has no samples yet.

    Idempotent: nothing when the data set has samples or a generation job is already queued or running.
    """
    active = model_versions_active(kind=VAE_KIND)
    started = []
    for dataset in DATASETS:
        if (dataset, SLOT_DEFAULT) not in active:
            continue
        if GeneratedImage.objects.filter(kind=ImageKind.SAMPLE, model_version__dataset=dataset).exists():
            continue
        if job_active(kind="gallery.generate", dataset=dataset) is not None:
            continue
        try:
            job = services.gallery_generate_start(dataset=dataset, **FIRST_IMAGES)
        except ApplicationError as exc:  # the broker gone since: the page offers a Generate button instead
            out.write(f"Gallery: first {dataset} images not queued: {exc}")
            continue
        out.write(f"Gallery: queued the first {FIRST_IMAGES['count']} {dataset} images: /jobs/{job.id}/")
        started.append(job)
    return started
