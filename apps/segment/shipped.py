"""Shipped segmenter weights: apps/segment/weights/<name>.pt + <name>.json (+ MODEL_CARD.md), registered
as model versions so a fresh machine segments scenes without training first.

Only Fashionopolis weights are shipped (generated scenes from Fashion-MNIST, MIT-licensed). Never weights
trained on the ISBI EM slices: that data states no licence, so nothing derived from it leaves the machine.
`seed_demo` (apps.segment's demo seeding, H4) calls `segmenter_weights_register()`.
"""

from __future__ import annotations

import json
from pathlib import Path

from apps.core.models import ModelVersion
from apps.core.services import model_version_register_file

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
SEGMENTER_KIND = "segmenter"
SHIPPED_DATASETS = ("fashionopolis",)


def shipped_weights(folder: Path = WEIGHTS_DIR) -> list[tuple[Path, dict]]:
    """(checkpoint, metadata) for every `<name>.pt` with its `<name>.json` in the folder."""
    found = []
    for meta_path in sorted(folder.glob("*.json")):
        checkpoint = meta_path.with_suffix(".pt")
        if checkpoint.is_file():
            found.append((checkpoint, json.loads(meta_path.read_text())))
    return found


def segmenter_weights_register(*, activate: bool | None = None, folder: Path = WEIGHTS_DIR) -> list[ModelVersion]:
    """Register the shipped checkpoints (each once; sha256 checked by core) and return their versions.

    `activate=None` makes a checkpoint active only where its data set has no active segmenter yet
    (seed_demo never replaces a model someone chose); True activates it anyway.
    """
    versions = []
    for checkpoint, meta in shipped_weights(folder):
        if meta.get("dataset") not in SHIPPED_DATASETS:
            raise ValueError(f"{checkpoint}: only {', '.join(SHIPPED_DATASETS)} weights may be shipped")
        card = folder / "MODEL_CARD.md"
        version, _created = model_version_register_file(
            source=checkpoint,
            sha256=meta["sha256"],
            relpath=f"segmenter/{meta['dataset']}/shipped-{meta['sha256'][:12]}/segmenter.pt",
            kind=SEGMENTER_KIND,
            slot="default",
            dataset=meta["dataset"],
            name=meta.get("name", "unet"),
            config={**meta.get("config", {}), "shipped": True},
            metrics=meta.get("metrics", {}),
            history=meta.get("history", []),
            card=card.read_text() if card.is_file() else "",
            activate=activate,
        )
        versions.append(version)
    return versions
