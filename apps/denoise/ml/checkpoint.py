"""Denoiser checkpoints: weights, config and metrics in one torch file (workers only)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .config import DenoiserConfig
from .model import DenoiserNet, denoiser_build

FORMAT = "aeweb-denoiser"
FORMAT_VERSION = 1


def denoiser_save(
    path: str | Path,
    model: nn.Module | dict[str, torch.Tensor],
    config: DenoiserConfig,
    *,
    metrics: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> Path:
    """Write the checkpoint through a temporary file and one rename (never half-written)."""
    path = Path(path)
    state = model.state_dict() if isinstance(model, nn.Module) else model
    payload = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "config": config.to_dict(),
        "state": {k: v.detach().cpu() for k, v in state.items()},
        "metrics": dict(metrics or {}),
        "history": list(history or []),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; workers of another user must read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def checkpoint_read(path: str | Path) -> dict[str, Any]:
    """The raw checkpoint (config dict, state, metrics, history), loaded without running pickled code."""
    payload = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a denoiser checkpoint")
    if payload.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: checkpoint version {payload.get('version')} is not supported")
    return payload


def denoiser_load(path: str | Path, device: str | torch.device = "cpu") -> DenoiserNet:
    """The model in eval mode on `device`; its config is on `model.config`, metrics on `model.metrics`."""
    payload = checkpoint_read(path)
    config = DenoiserConfig.from_dict(payload["config"])
    model = denoiser_build(config)
    model.load_state_dict(payload["state"])
    model.metrics = payload.get("metrics", {})
    return model.to(device).eval()
