"""Checkpoints of the gallery's VAEs: state_dict, config, metrics and history in one torch file.

The file format (atomic write, weights_only read mapped to CPU) is apps.core.ml.checkpoint's;
this module names the gallery's format and rebuilds its models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from apps.core.ml.checkpoint import checkpoint_load, checkpoint_model_load, checkpoint_save

from .config import VaeConfig
from .models import VaeModel, vae_build

FORMAT_VERSION = 1
VAE_FORMAT = "aeweb-gallery-vae"


def checkpoint_read(path: str | Path) -> dict[str, Any]:
    """The raw payload (format, version, config dict, state, metrics, history)."""
    return checkpoint_load(path, fmt=VAE_FORMAT, version=FORMAT_VERSION)


def vae_save(
    path: str | Path,
    model: nn.Module | dict[str, torch.Tensor],
    config: VaeConfig,
    *,
    metrics: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> Path:
    """Save a VAE (module or state_dict) with its config; returns the path."""
    return checkpoint_save(
        path, fmt=VAE_FORMAT, state=model, config=config, metrics=metrics, history=history, version=FORMAT_VERSION
    )


def vae_load(path: str | Path, device: str | torch.device = "cpu") -> VaeModel:
    """The model in eval mode on `device`; config on `.config`, metrics on `.metrics`, history on `.history`."""
    return checkpoint_model_load(
        path, fmt=VAE_FORMAT, config_class=VaeConfig, build=vae_build, device=device, version=FORMAT_VERSION
    )
