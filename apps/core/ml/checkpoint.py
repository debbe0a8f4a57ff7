"""Torch checkpoints with their metadata: weights, config, metrics and history in one file.

Workers only (imports torch). Written through `atomic_write` (never half-written), read with
weights_only=True (no pickled code runs) and mapped to CPU first, so a GPU-trained model loads
on a CPU-only worker and vice versa.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .config import Config
from .files import atomic_write

_RESERVED = frozenset({"format", "version", "config", "state", "metrics", "history"})


def checkpoint_save(
    path: str | Path,
    *,
    fmt: str,
    state: nn.Module | Mapping[str, torch.Tensor],
    config: Mapping[str, Any] | Config,
    metrics: Mapping[str, Any] | None = None,
    history: list[Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    version: int = 1,
) -> Path:
    """Save `state` (a module or its state_dict) with its config; returns the path."""
    clash = _RESERVED.intersection(extra or {})
    if clash:
        raise ValueError(f"extra cannot replace the checkpoint's own keys: {', '.join(sorted(clash))}")
    tensors = state.state_dict() if isinstance(state, nn.Module) else state
    payload = {
        "format": fmt,
        "version": version,
        "config": config.to_dict() if hasattr(config, "to_dict") else dict(config),
        # CPU copies: a checkpoint holding CUDA tensors cannot be read where there is no GPU
        # without map_location, and detached ones carry no autograd graph into the pickle.
        "state": {key: value.detach().cpu() for key, value in tensors.items()},
        "metrics": dict(metrics or {}),
        "history": list(history or []),
        **(extra or {}),
    }
    return atomic_write(path, lambda tmp: torch.save(payload, tmp))


def checkpoint_load(path: str | Path, *, fmt: str, version: int = 1) -> dict[str, Any]:
    """The payload (format, version, config dict, state, metrics, history, extras) on CPU."""
    payload = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        raise ValueError(f"{path}: not a {fmt} checkpoint")
    if payload.get("version") != version:
        raise ValueError(f"{path}: checkpoint version {payload.get('version')} is not supported")
    return payload


@dataclass(frozen=True)
class CheckpointFormat:
    """One model's checkpoint format: its name and version, its config class and how to build the model.

    `save`, `read` and `load` are what an app's `ml/checkpoint.py` exports for that model."""

    name: str
    config_class: type[Config]
    build: Callable[[Any], nn.Module]
    version: int = 1

    def save(
        self,
        path: str | Path,
        state: nn.Module | Mapping[str, torch.Tensor],
        config: Config,
        *,
        metrics: Mapping[str, Any] | None = None,
        history: list[Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Path:
        """Save a model (module or state_dict) with its config (and `extra` keys); returns the path."""
        return checkpoint_save(
            path,
            fmt=self.name,
            state=state,
            config=config,
            metrics=metrics,
            history=history,
            extra=extra,
            version=self.version,
        )

    def read(self, path: str | Path) -> dict[str, Any]:
        """The raw payload (format, version, config dict, state, metrics, history and any extras)."""
        return checkpoint_load(path, fmt=self.name, version=self.version)

    def load(self, path: str | Path, device: str | torch.device = "cpu") -> nn.Module:
        """The model rebuilt from its config, in eval mode on `device`, with `.metrics` and `.history`."""
        payload = self.read(path)
        model = self.build(self.config_class.from_dict(payload["config"]))
        model.load_state_dict(payload["state"])
        model.metrics = payload.get("metrics", {})
        model.history = payload.get("history", [])
        return model.to(device).eval()
