"""Checkpoints of the representation networks (the AE types, the GAN, PCA as a linear autoencoder).

The file format (atomic write, weights_only read mapped to CPU) is apps.core.ml.checkpoint's;
this module names the app's format and how to rebuild its networks. t-SNE and UMAP have none.
"""

from __future__ import annotations

from apps.core.ml.checkpoint import CheckpointFormat

from .config import RepresentationConfig
from .models import model_build

REPRESENTATION_CHECKPOINT = CheckpointFormat("aeweb-representation", RepresentationConfig, model_build)

representation_save = REPRESENTATION_CHECKPOINT.save  # (path, model or state_dict, config, *, metrics, history)
representation_load = REPRESENTATION_CHECKPOINT.load  # (path, device) -> the network in eval mode
