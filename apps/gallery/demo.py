"""The gallery's part of `seed_demo`: register the shipped weights, else start quick training jobs.

Shipped weights live in apps/gallery/weights/ (written by `manage.py gallery_export_weights`):
one fp16 checkpoint per slot and data set, `weights.json` (what seed_demo reads) and
MODEL_CARD.md (what people read). Registering needs no torch: the file is checked against its
sha256 and copied into the artifact folder as it is.
"""

from __future__ import annotations

import json
from pathlib import Path

from apps.core import services as core_services
from apps.core.ml.image_datasets import dataset_available
from apps.core.models import ModelVersion
from apps.core.selectors import job_active, model_versions_active
from apps.gallery.slots import DEFAULT_DATASET, SLOT_FOR_MODEL, VAE_KIND

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MANIFEST_NAME = "weights.json"
# Small enough for `make run` on a 2-core CPU to finish within minutes; good enough to look at.
QUICK_TRAINING = {
    model: {"epochs": 4, "train_count": 20000, "width": 16, "hidden": 128, "test_count": 1000, "iwae_k": 20}
    for model in ("conv", "conditional", "latent2d")
}


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
