"""Checkpoints of the gallery's models: state_dict, config, metrics and history in one torch file.

Written through a temporary file and one rename (never half-written), read with
weights_only=True (no pickled code runs), always mapped to CPU first so a GPU-trained model
loads on a CPU-only worker and vice versa.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .config import DaeConfig, VaeConfig
from .denoising import dae_build
from .models import VaeModel, vae_build

FORMAT_VERSION = 1
VAE_FORMAT = "aeweb-gallery-vae"
DAE_FORMAT = "aeweb-gallery-dae"


def checkpoint_write(path: str | Path, payload: dict[str, Any]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; workers running as another user must read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def checkpoint_read(path: str | Path, fmt: str = VAE_FORMAT) -> dict[str, Any]:
    """The raw payload (format, version, config dict, state, metrics, history)."""
    payload = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        raise ValueError(f"{path}: not a {fmt} checkpoint")
    if payload.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: checkpoint version {payload.get('version')} is not supported")
    return payload


def _payload(fmt: str, model: nn.Module | dict, config: VaeConfig | DaeConfig, metrics, history) -> dict[str, Any]:
    state = model.state_dict() if isinstance(model, nn.Module) else model
    return {
        "format": fmt,
        "version": FORMAT_VERSION,
        "config": config.to_dict(),
        "state": {k: v.detach().cpu() for k, v in state.items()},
        "metrics": dict(metrics or {}),
        "history": list(history or []),
    }


def vae_save(
    path: str | Path,
    model: nn.Module | dict[str, torch.Tensor],
    config: VaeConfig,
    *,
    metrics: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> Path:
    """Save a VAE (module or state_dict) with its config; returns the path."""
    return checkpoint_write(path, _payload(VAE_FORMAT, model, config, metrics, history))


def vae_load(path: str | Path, device: str | torch.device = "cpu") -> VaeModel:
    """The model in eval mode on `device`; config on `.config`, metrics on `.metrics`, history on `.history`."""
    payload = checkpoint_read(path, VAE_FORMAT)
    config = VaeConfig.from_dict(payload["config"])
    model = vae_build(config)
    model.load_state_dict(payload["state"])
    model.metrics = payload.get("metrics", {})
    model.history = payload.get("history", [])
    return model.to(device).eval()


def dae_save(
    path: str | Path,
    model: nn.Module | dict[str, torch.Tensor],
    config: DaeConfig,
    *,
    metrics: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> Path:
    """Save the denoising demo's autoencoder with its config."""
    return checkpoint_write(path, _payload(DAE_FORMAT, model, config, metrics, history))


def dae_load(path: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    payload = checkpoint_read(path, DAE_FORMAT)
    config = DaeConfig.from_dict(payload["config"])
    model = dae_build(config)
    model.load_state_dict(payload["state"])
    model.metrics = payload.get("metrics", {})
    model.history = payload.get("history", [])
    return model.to(device).eval()
