"""Where a denoiser's weights came from: the command that trained them and the runs they continued.

Pure (no Django): `benchmarks.denoise_train` records this in its checkpoints on any machine (a
GPU one included), and `denoise_export_weights` writes it into denoiser.json and the model card.
A run started from earlier weights (`--init`) keeps their history as its `lineage`, so shipped
weights say every run that made them, oldest first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from apps.core.ml.files import file_sha256

from .checkpoint import checkpoint_read


def made_by_command(meta: dict[str, Any]) -> str:
    """The command that trained the weights a denoiser.json describes.

    Weights exported from a model version name none: their command is `manage.py train denoiser`
    with the version's overrides."""
    if meta.get("made_by"):
        return meta["made_by"]
    sets = "".join(
        f" --set {key}={value if isinstance(value, str) else json.dumps(value)}"
        for key, value in meta.get("overrides", {}).items()
    )
    return f"manage.py train denoiser --dataset {meta['dataset']}{sets}"


def lineage_of(path: str | Path) -> list[dict[str, Any]]:
    """The training runs behind the weights at `path`, oldest first.

    Each entry: {"sha256", "made_by", "device", "train_seconds"}; the last one is `path` itself.
    Shipped weights are described by the denoiser.json beside them; a benchmark's checkpoint
    carries its own `made_by` and `lineage`."""
    path = Path(path)
    payload = checkpoint_read(path)
    sha256 = file_sha256(path)
    lineage, made_by, device = list(payload.get("lineage", [])), payload.get("made_by"), payload.get("device")
    sibling = path.with_name("denoiser.json")
    if not made_by and sibling.is_file():
        meta = json.loads(sibling.read_text())
        if meta.get("sha256") == sha256:
            made_by, device = made_by_command(meta), meta.get("device", device)
            lineage = list(meta.get("lineage", lineage))
    entry = {
        "sha256": sha256,
        "made_by": made_by or "unknown",
        "device": device or "unknown",
        "train_seconds": payload.get("metrics", {}).get("train_seconds"),
    }
    return [*lineage, entry]
