"""The gallery's part of `seed_demo`: register the shipped weights, else start quick training jobs.

Shipped weights live in apps/gallery/weights/ (written by `manage.py gallery_export_weights`):
one fp16 checkpoint per role and data set, `weights.json` (what seed_demo reads) and
MODEL_CARD.md (what people read). Registering needs no torch: the file is checked against its
sha256 and copied into the artifact folder as it is.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.db import transaction

from apps.core import services as core_services
from apps.core.artifacts import artifact_write, file_sha256
from apps.core.models import ACTIVE_STATUSES, ActiveModel, Job, ModelVersion
from apps.gallery.ml.datasets import DatasetNotFoundError, dataset_files
from apps.gallery.roles import DEFAULT_DATASET, MODEL_ROLES

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MANIFEST_NAME = "weights.json"
# Small enough for `make run` on a 2-core CPU to finish within minutes; good enough to look at.
QUICK_TRAINING = {
    "conv": {"epochs": 4, "train_count": 20000, "width": 16, "hidden": 128, "test_count": 1000, "iwae_k": 20},
    "conditional": {"epochs": 4, "train_count": 20000, "width": 16, "hidden": 128, "test_count": 1000, "iwae_k": 20},
    "latent2d": {"epochs": 4, "train_count": 20000, "width": 16, "hidden": 128, "test_count": 1000, "iwae_k": 20},
    "dae": {"epochs": 2, "train_count": 10000, "width": 16, "test_count": 500},
}


def weights_manifest(folder: Path = WEIGHTS_DIR) -> list[dict]:
    path = folder / MANIFEST_NAME
    return json.loads(path.read_text())["weights"] if path.exists() else []


def weights_register(*, entry: dict, folder: Path = WEIGHTS_DIR) -> tuple[ModelVersion, bool]:
    """(version, created): the shipped checkpoint as a ModelVersion, activated when its role has none.

    Registering the same file twice finds the first registration (same kind, data set, sha256).
    """
    source = folder / entry["file"]
    sha = file_sha256(source)
    if sha != entry["sha256"]:
        raise ValueError(f"{source}: sha256 {sha} differs from the model card's {entry['sha256']}")
    kind, dataset = entry["kind"], entry["dataset"]
    for version in ModelVersion.objects.filter(kind=kind, dataset=dataset):
        if version.artifact_sha256() == sha:
            return version, False
    checkpoint = artifact_write(
        f"gallery/{dataset}/shipped/{sha[:12]}-{entry['file']}", lambda path: shutil.copyfile(source, path)
    )
    with transaction.atomic():
        version = core_services.model_version_create(
            kind=kind,
            dataset=dataset,
            name=entry["name"],
            config=entry["config"],
            metrics=entry.get("metrics", {}),
            history=entry.get("history", []),
            artifacts={"checkpoint": checkpoint},
            card=f"Shipped weights ({entry['file']}, fp16). {entry.get('card', '')} Made by: {entry.get('command')}",
        )
        if not ActiveModel.objects.filter(kind=kind, dataset=dataset).exists():
            core_services.model_version_activate(model_version=version)
    return version, True


def data_available(dataset: str) -> bool:
    try:
        for split in ("train", "test"):
            dataset_files(dataset, split, download=False)
        return True
    except DatasetNotFoundError:
        return False


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
    missing = [m for m, role in MODEL_ROLES.items() if m in QUICK_TRAINING]
    missing = [m for m in missing if not ActiveModel.objects.filter(kind=MODEL_ROLES[m], dataset=dataset).exists()]
    if not missing:
        return
    if not data_available(dataset):
        # No download from here: seed_demo must not hang on a machine without internet. The
        # first `train vae` downloads the files where there is internet.
        out.write(
            f"Gallery: {dataset} not found (AEWEB_DATA_DIR, {DEFAULT_DATASET} cache, system folders) and no "
            "shipped weights: the gallery stays empty until `manage.py train vae` has run (it downloads the data)."
        )
        return
    busy = set(Job.objects.filter(kind="train.vae", status__in=ACTIVE_STATUSES).values_list("params__model", flat=True))
    if not train:
        return
    for model in missing:
        if model in busy:
            continue
        job = core_services.training_job_start(kind="vae", dataset=dataset, model=model, config=QUICK_TRAINING[model])
        out.write(f"Gallery: started quick training of the {model} VAE on {dataset}: /jobs/{job.id}/")
