"""Segmenter checkpoints: weights, config, metrics and history in one torch file (workers only).

The file format (atomic write, weights_only read mapped to CPU) is apps.core.ml.checkpoint's.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from apps.core.ml.checkpoint import CheckpointFormat

from .config import SegmenterConfig
from .models import segmenter_build

SEGMENTER_CHECKPOINT = CheckpointFormat("aeweb-segmenter", SegmenterConfig, segmenter_build)


def segmenter_save(path: str | Path, model: nn.Module) -> Path:
    """Save a built model (it carries `.config`, and `.metrics`/`.history` when it has them)."""
    return SEGMENTER_CHECKPOINT.save(
        path,
        model,
        model.config,
        metrics=getattr(model, "metrics", None),
        history=getattr(model, "history", None),
    )


def segmenter_load(path: str | Path, device: str = "cpu") -> nn.Module:
    """The model in eval mode on `device`, with `.config`, `.metrics` and `.history`."""
    return SEGMENTER_CHECKPOINT.load(path, device)


segmenter_read = SEGMENTER_CHECKPOINT.read  # (path) -> the raw payload (config dict, metrics, ...)
