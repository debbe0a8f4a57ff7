"""Checkpoints of the gallery's VAEs: state_dict, config, metrics and history in one torch file.

The file format (atomic write, weights_only read mapped to CPU) is apps.core.ml.checkpoint's;
this module names the gallery's format and how to rebuild its models.
"""

from __future__ import annotations

from apps.core.ml.checkpoint import CheckpointFormat
from apps.core.ml.vae.config import VaeConfig
from apps.core.ml.vae.models import vae_build

VAE_CHECKPOINT = CheckpointFormat("aeweb-gallery-vae", VaeConfig, vae_build)
VAE_FORMAT, FORMAT_VERSION = VAE_CHECKPOINT.name, VAE_CHECKPOINT.version

vae_save = VAE_CHECKPOINT.save  # (path, model or state_dict, config, *, metrics, history) -> path
vae_load = VAE_CHECKPOINT.load  # (path, device) -> the model in eval mode, with .config, .metrics, .history
checkpoint_read = VAE_CHECKPOINT.read  # (path) -> the raw payload
