"""The VAEs: a convolutional VAE (optionally class-conditional) and the classic MLP VAE.

Every model maps images (B×1×28×28, intensities in [0, 1]) to a diagonal Gaussian posterior
(mean, log-variance) and latents back to per-pixel Bernoulli logits. Bernoulli rather than
continuous Bernoulli: on binarised MNIST it is the exact likelihood, so its nats sit beside
published figures, and its mean (the sigmoid of the logits) is the image shown; a continuous
Bernoulli's density has a different mean and its "nats" compare with nothing published.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from apps.core.ml.vae.config import VaeConfig

IMAGE_SIZE = 28


class VaeModel(nn.Module):
    """Shared interface: encode → (mu, logvar), decode → logits; `y` is the class for conditional models."""

    def __init__(self, config: VaeConfig) -> None:
        super().__init__()
        self.config = config
        self.latent_dim: int = int(config.latent_dim)
        self.num_classes: int = config.num_classes if config.conditional else 0
        self.image_size = IMAGE_SIZE

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    def _onehot(self, y: torch.Tensor | None, batch: int, device: torch.device) -> torch.Tensor | None:
        if not self.conditional:
            return None
        if y is None:
            raise ValueError("label: a class-conditional model needs the class of every image")
        y = torch.as_tensor(y, device=device)
        if y.is_floating_point() and y.dim() == 2:
            # Soft class vectors (B×C): interpolation walks between classes as well as latents.
            if y.shape != (batch, self.num_classes):
                expected = (batch, self.num_classes)
                raise ValueError(f"label: class vectors of shape {tuple(y.shape)}, expected {expected}")
            return y.float()
        y = y.long().reshape(-1)
        if y.shape[0] != batch:
            raise ValueError(f"label: {y.shape[0]} labels for {batch} images")
        if bool(((y < 0) | (y >= self.num_classes)).any()):
            raise ValueError(f"label: outside 0..{self.num_classes - 1}")
        return F.one_hot(y, self.num_classes).float()

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, y: torch.Tensor | None = None, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(logits, mu, logvar) with one reparameterised sample per image."""
        mu, logvar = self.encode(x, y)
        eps = randn(tuple(mu.shape), generator, mu.device)
        z = mu + eps * torch.exp(0.5 * logvar)
        return self.decode(z, y), mu, logvar


class ConvVae(VaeModel):
    """Two stride-2 convolutions (28→14→7) and a fully connected layer each way."""

    def __init__(self, config: VaeConfig) -> None:
        super().__init__(config)
        w, hidden, d, c = config.width, int(config.hidden), self.latent_dim, self.num_classes
        self.features = 2 * w * 7 * 7
        self.enc_conv = nn.Sequential(
            nn.Conv2d(1, w, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.ReLU(),
        )  # fmt: skip
        self.enc_fc = nn.Sequential(nn.Linear(self.features + c, hidden), nn.ReLU(), nn.Linear(hidden, 2 * d))
        self.dec_fc = nn.Sequential(
            nn.Linear(d + c, hidden), nn.ReLU(), nn.Linear(hidden, self.features), nn.ReLU()
        )
        self.dec_conv = nn.Sequential(
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1),
        )  # fmt: skip
        self.width = w

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.enc_conv(x).flatten(1)
        onehot = self._onehot(y, x.shape[0], x.device)
        if onehot is not None:
            h = torch.cat([h, onehot], dim=1)
        mu, logvar = self.enc_fc(h).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        onehot = self._onehot(y, z.shape[0], z.device)
        if onehot is not None:
            z = torch.cat([z, onehot], dim=1)
        h = self.dec_fc(z).view(-1, 2 * self.width, 7, 7)
        return self.dec_conv(h)


class MlpVae(VaeModel):
    """784-400-d-400-784 with ReLU, as in Kingma & Welling (2014) and PyTorch's example."""

    def __init__(self, config: VaeConfig) -> None:
        super().__init__(config)
        pixels, hidden, d = IMAGE_SIZE * IMAGE_SIZE, int(config.hidden), self.latent_dim
        self.enc = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, 2 * d))
        self.dec = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, pixels))

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.enc(x.flatten(1)).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.dec(z).view(-1, 1, IMAGE_SIZE, IMAGE_SIZE)


def randn(shape: tuple[int, ...], generator: torch.Generator | None, device: torch.device | str) -> torch.Tensor:
    """Standard normal noise drawn on the generator's device, then moved: same seed, same numbers on CPU and CUDA."""
    if generator is None:
        return torch.randn(shape, device=device)
    return torch.randn(shape, generator=generator, device=generator.device).to(device)


def vae_build(config: VaeConfig) -> VaeModel:
    """A freshly initialised model; weights depend only on config.seed (global RNG left untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return MlpVae(config) if config.model == "mlp" else ConvVae(config)


def parameters_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
