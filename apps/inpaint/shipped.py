"""Shipped inpainting weights: every checkpoint in apps/inpaint/weights/ registered as a model version.

The folder holds, per model, `<model>-<dataset>.pt` (float16 weights; the items one carries its PCA-64
basis) and `<model>-<dataset>.json` (name, data set, config, metrics, baselines, sha256), written by
`python -m apps.inpaint.ml.export`, plus MODEL_CARD.md. seed_demo (apps/inpaint/demo.py) calls
`inpainter_weights_register()`. The checking, copying and activating are core's
`model_version_register_file`: the file must match its sha256, the same file is registered once, and
`activate=None` activates it only where its data set has no active inpainter yet.

One file per version: the items model's PCA basis is inside the checkpoint, so the worker's
`pca_load(checkpoint path)` finds it (a trained version also has a separate "pca" artifact).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from apps.core.models import ModelVersion
from apps.core.services import model_version_register_file

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
INPAINTER_KIND = "inpainter"
INPAINTER_SLOT = "default"


def _card_section(card: str, filename: str) -> str:
    """The part of MODEL_CARD.md about one file (its "## <file> — …" section), else the whole card."""
    match = re.search(rf"^## {re.escape(filename)} .*?(?=^## |\Z)", card, re.S | re.M)
    return match.group(0).strip() if match else card


def inpainter_weights_register(*, folder: Path = WEIGHTS_DIR, activate: bool | None = None) -> list[ModelVersion]:
    """Register every shipped inpainter checkpoint; the versions (created or found), in file-name order."""
    card_path = folder / "MODEL_CARD.md"
    card = card_path.read_text() if card_path.is_file() else ""
    versions = []
    for meta_path in sorted(folder.glob("*.json")):
        meta = json.loads(meta_path.read_text())
        checkpoint = folder / meta["file"]
        if not checkpoint.is_file():
            continue
        version, _created = model_version_register_file(
            source=checkpoint,
            sha256=meta["sha256"],
            relpath=f"inpainter/{meta['dataset']}/shipped-{meta['sha256'][:12]}/{meta['file']}",
            kind=INPAINTER_KIND,
            slot=INPAINTER_SLOT,
            dataset=meta["dataset"],
            name=meta["name"],
            config={**meta.get("config", {}), "shipped": True, "command": meta.get("command", "")},
            metrics=meta.get("metrics", {}),
            baselines=meta.get("baselines", {}),
            history=meta.get("history", []),
            card=_card_section(card, meta["file"]),
            activate=activate,
        )
        versions.append(version)
    return versions
