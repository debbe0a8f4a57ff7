"""The autoencoders as scikit-learn estimators, beside the baselines they are measured against.

    for est in (AutoencoderRepresentation(config), PcaRepresentation(30)):
        codes = est.fit(train_images).transform(test_images)
        rebuilt = est.inverse_transform(codes)  # images in [0, 1]

`fit(X)` returns the estimator; fitted attributes end in `_`. Images are uint8 N×28×28 (or floats in
[0, 1]); codes are float32 N×code. Workers and benchmarks only (torch).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .baselines import PcaRepresentation, TsneMap, UmapMap, images_flat
from .config import RepresentationConfig
from .models import SIDE, Autoencoder
from .train import EpochCallback, TrainResult, representation_train

__all__ = ["AutoencoderRepresentation", "PcaRepresentation", "TsneMap", "UmapMap", "estimator_for"]

BATCH = 1000


def _unit_tensor(X: np.ndarray, device: torch.device) -> torch.Tensor:
    flat = images_flat(X)
    return torch.from_numpy(flat).to(device).view(-1, 1, SIDE, SIDE)


class AutoencoderRepresentation:
    """Any of MODELS behind fit / transform / inverse_transform (the GAN: fit / inverse_transform / sample)."""

    def __init__(
        self,
        config: RepresentationConfig,
        *,
        device: str | torch.device = "cpu",
        on_epoch: EpochCallback | None = None,
    ) -> None:
        self.config = config
        self.device = device
        self.on_epoch = on_epoch

    @classmethod
    def from_result(cls, result: TrainResult, device: str | torch.device = "cpu") -> AutoencoderRepresentation:
        """A fitted estimator around a training result (or a loaded model: see `from_model`)."""
        est = cls.from_model(result.model_build(device), result.config)
        est.history_, est.metrics_ = result.history, result.metrics
        est.fit_seconds_ = result.metrics.get("seconds")
        return est

    @classmethod
    def from_model(cls, model: Autoencoder, config: RepresentationConfig) -> AutoencoderRepresentation:
        est = cls(config, device=next(model.parameters()).device)
        est.model_ = model.eval()
        est.history_, est.metrics_ = [], {}
        return est

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> AutoencoderRepresentation:
        result = representation_train(np.asarray(X), y, self.config, device=self.device, on_epoch=self.on_epoch)
        self.model_ = result.model_build(self.device)
        self.history_, self.metrics_ = result.history, result.metrics
        self.fit_seconds_ = result.metrics.get("seconds")
        self.result_ = result
        return self

    @property
    def has_encoder(self) -> bool:
        return self.config.has_encoder

    @torch.inference_mode()
    def transform(self, X: np.ndarray) -> np.ndarray:
        """Images → codes (float32 N×code): the encoder's output (the VAE's posterior mean)."""
        if not self.has_encoder:
            raise NotImplementedError(f"{self.config.model}: no encoder, images cannot be mapped to codes")
        device = next(self.model_.parameters()).device
        X = np.asarray(X)
        out = [
            self.model_.encode(_unit_tensor(X[start : start + BATCH], device)).float().cpu().numpy()
            for start in range(0, X.shape[0], BATCH)
        ]
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, self.config.code), np.float32)

    @torch.inference_mode()
    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """Codes → images (float32 N×28×28) in [0, 1]."""
        device = next(self.model_.parameters()).device
        Z = np.asarray(Z, dtype=np.float32).reshape(-1, self.config.code)
        out = [
            self.model_.decode(torch.from_numpy(Z[start : start + BATCH]).to(device)).float().cpu().numpy()
            for start in range(0, Z.shape[0], BATCH)
        ]
        if not out:
            return np.zeros((0, SIDE, SIDE), np.float32)
        return np.clip(np.concatenate(out).reshape(-1, SIDE, SIDE), 0.0, 1.0).astype(np.float32)

    def reconstruct(self, X: np.ndarray) -> np.ndarray:
        return self.inverse_transform(self.transform(X))

    def sample(self, count: int, seed: int = 0) -> np.ndarray:
        """vae and gan: `count` images (float32 N×28×28 in [0, 1]) decoded from codes ~ N(0, I)."""
        if self.config.model not in ("vae", "gan"):
            raise NotImplementedError(f"{self.config.model}: not a generative model (no prior to sample)")
        generator = torch.Generator().manual_seed(int(seed))
        return self.inverse_transform(torch.randn((count, self.config.code), generator=generator).numpy())


def estimator_for(config: RepresentationConfig, **kwargs: Any):
    """The estimator of `config.model`: an autoencoder type, or a baseline with the config's settings."""
    if config.model == "pca":
        return PcaRepresentation(config.code, seed=config.seed)
    if config.model == "tsne":
        return TsneMap(perplexity=config.perplexity, seed=config.seed)
    if config.model == "umap":
        return UmapMap(n_neighbors=config.neighbors, min_dist=config.min_dist, seed=config.seed)
    return AutoencoderRepresentation(config, **kwargs)
