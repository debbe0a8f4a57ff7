"""Checkpoints of the denoise app's models: weights, config and metrics in one torch file (workers only).

The file format (atomic write, weights_only read mapped to CPU) is apps.core.ml.checkpoint's;
this module names the two formats (the photo U-Net, the 28×28 demo autoencoder) and rebuilds
their models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from apps.core.ml.checkpoint import checkpoint_load, checkpoint_save

from .config import DaeConfig, DenoiserConfig
from .dae import dae_build
from .model import DenoiserNet, denoiser_build

FORMAT = "aeweb-denoiser"
FORMAT_VERSION = 1
# The demo autoencoder was trained by the gallery before it moved here, and its checkpoints name
# their format: keeping the gallery's name lets every DAE trained before the move load as it is
# (the data migration only renamed their model versions, not their files).
DAE_FORMAT = "aeweb-gallery-dae"
DAE_FORMAT_VERSION = 1


def denoiser_save(
    path: str | Path,
    model: nn.Module | dict[str, torch.Tensor],
    config: DenoiserConfig,
    *,
    metrics: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> Path:
    """Save the model (module or state_dict) with its config; returns the path."""
    return checkpoint_save(
        path, fmt=FORMAT, state=model, config=config, metrics=metrics, history=history, version=FORMAT_VERSION
    )


def checkpoint_read(path: str | Path) -> dict[str, Any]:
    """The raw checkpoint (config dict, state, metrics, history), loaded without running pickled code."""
    return checkpoint_load(path, fmt=FORMAT, version=FORMAT_VERSION)


def denoiser_load(path: str | Path, device: str | torch.device = "cpu") -> DenoiserNet:
    """The model in eval mode on `device`; its config is on `model.config`, metrics on `model.metrics`."""
    payload = checkpoint_read(path)
    config = DenoiserConfig.from_dict(payload["config"])
    model = denoiser_build(config)
    model.load_state_dict(payload["state"])
    model.metrics = payload.get("metrics", {})
    return model.to(device).eval()


def dae_save(
    path: str | Path,
    model: nn.Module | dict[str, torch.Tensor],
    config: DaeConfig,
    *,
    metrics: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> Path:
    """Save the 28×28 demo's autoencoder (module or state_dict) with its config; returns the path."""
    return checkpoint_save(
        path, fmt=DAE_FORMAT, state=model, config=config, metrics=metrics, history=history, version=DAE_FORMAT_VERSION
    )


def dae_load(path: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """The demo autoencoder in eval mode on `device`, with `.config`, `.metrics` and `.history`."""
    payload = checkpoint_load(path, fmt=DAE_FORMAT, version=DAE_FORMAT_VERSION)
    config = DaeConfig.from_dict(payload["config"])
    model = dae_build(config)
    model.load_state_dict(payload["state"])
    model.metrics = payload.get("metrics", {})
    model.history = payload.get("history", [])
    return model.to(device).eval()
