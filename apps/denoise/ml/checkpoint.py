"""Checkpoints of the denoise app's models: weights, config and metrics in one torch file (workers only).

The file format (atomic write, weights_only read mapped to CPU) is apps.core.ml.checkpoint's;
this module names the two formats (the photo U-Net, the 28×28 demo autoencoder) and rebuilds
their models.
"""

from __future__ import annotations

from apps.core.ml.checkpoint import CheckpointFormat

from .config import DaeConfig, DenoiserConfig
from .dae import dae_build
from .model import denoiser_build

DENOISER_CHECKPOINT = CheckpointFormat("aeweb-denoiser", DenoiserConfig, denoiser_build)
# The demo autoencoder was trained by the gallery before it moved here, and its checkpoints name
# their format: keeping the gallery's name lets every DAE trained before the move load as it is
# (the data migration only renamed their model versions, not their files).
DAE_CHECKPOINT = CheckpointFormat("aeweb-gallery-dae", DaeConfig, dae_build)
FORMAT, FORMAT_VERSION = DENOISER_CHECKPOINT.name, DENOISER_CHECKPOINT.version
DAE_FORMAT = DAE_CHECKPOINT.name

# save: (path, model or state_dict, config, *, metrics, history) -> path; load: (path, device) -> model
denoiser_save, denoiser_load = DENOISER_CHECKPOINT.save, DENOISER_CHECKPOINT.load
checkpoint_read = DENOISER_CHECKPOINT.read  # (path) -> the raw payload
dae_save, dae_load = DAE_CHECKPOINT.save, DAE_CHECKPOINT.load
