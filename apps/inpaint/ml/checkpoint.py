"""Checkpoints of the inpainters: weights, config, metrics, history (and, for items, the PCA-64 basis
of the pca64 baseline) in one torch file (workers only; format and safety from apps.core.ml.checkpoint).

The items checkpoint carries the PCA basis (keys pca_mean, pca_components, pca_shape) so that a
shipped checkpoint, registered as one file, still gives the worker its pca64 baseline:
`baselines.pca_load(checkpoint_path)` reads it, as it reads the training job's pca.npz.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from apps.core.ml.checkpoint import checkpoint_load, checkpoint_save

from .baselines import PcaBasis, pca_arrays, pca_from_arrays
from .config import InpainterConfig
from .models import inpainter_build

FORMAT = "aeweb-inpainter"
FORMAT_VERSION = 1


def inpainter_save(
    path: str | Path,
    model: torch.nn.Module,
    *,
    metrics: dict | None = None,
    history: list | None = None,
    pca: PcaBasis | None = None,
    half: bool = False,
) -> Path:
    """Save `model` (its `.config` an InpainterConfig); half=True stores float16 weights (shipped files)."""
    state = {key: value.detach().cpu() for key, value in model.state_dict().items()}
    if half:
        state = {key: value.half() if value.is_floating_point() else value for key, value in state.items()}
    extra = {}
    if pca is not None:
        extra = {key: torch.from_numpy(np.ascontiguousarray(value)) for key, value in pca_arrays(pca).items()}
    return checkpoint_save(
        path,
        fmt=FORMAT,
        state=state,
        config=model.config,
        metrics=metrics or getattr(model, "metrics", None),
        history=history or getattr(model, "history", None),
        extra=extra,
        version=FORMAT_VERSION,
    )


def inpainter_load(path: str | Path, device: str = "cpu") -> torch.nn.Module:
    """The model in eval mode on `device`, with `.config`, `.metrics`, `.history` and `.pca` (PcaBasis or None)."""
    payload = checkpoint_load(path, fmt=FORMAT, version=FORMAT_VERSION)
    config = InpainterConfig.from_dict(payload["config"])
    model = inpainter_build(config)
    # float16 shipped weights load into the float32 model (load_state_dict copies with a cast)
    model.load_state_dict(payload["state"])
    model.metrics = payload.get("metrics", {})
    model.history = payload.get("history", [])
    model.pca = None
    if "pca_mean" in payload:
        model.pca = pca_from_arrays({key: payload[key].numpy() for key in ("pca_mean", "pca_components", "pca_shape")})
    return model.to(device).eval()
