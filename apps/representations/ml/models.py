"""The networks: every autoencoder type as an `encoder` and a `decoder` that are plain nn.Sequential.

Sequential stacks of Linear / Conv2d / ConvTranspose2d and activations only, so that
`export.serving_arrays` turns any of them into NumPy arrays mechanically and the web process
runs them without torch (`serving.py`). Images are N×1×28×28 in [0, 1]; every decoder but the
linear one ends in a Sigmoid (the training loop takes the logits from `decoder[:-1]`).

- vanilla: MLP 784-hidden…-code, ReLU, code unbounded (Hinton & Salakhutdinov 2006 layout).
- linear: one Linear each way, no non-linearity: trained with squared error it finds PCA's subspace.
- sparse: the code is a Sigmoid layer pushed to a mean activation rho (UFLDL).
- conv: two stride-2 convolutions (28→14→7) and a Linear to the code; mirrored.
- denoising: the vanilla network, trained on corrupted inputs.
- vae: the shared conv VAE (apps.core.ml.vae); its encoder outputs (mu, logvar), the code is mu.
- gan: a small DCGAN: generator = decoder (no encoder), and a discriminator.
"""

from __future__ import annotations

import torch
from torch import nn

from apps.core.ml.vae.config import VaeConfig
from apps.core.ml.vae.models import ConvVae

from .config import RepresentationConfig

SIDE = 28
PIXELS = SIDE * SIDE


class Autoencoder(nn.Module):
    """encoder: images → codes; decoder: codes → images in [0, 1] (N×1×28×28)."""

    has_encoder = True
    code_slice: int | None = None  # the encoder's first `code_slice` outputs are the code (vae: mu of (mu, logvar))

    def __init__(self, config: RepresentationConfig, encoder: nn.Sequential | None, decoder: nn.Sequential) -> None:
        super().__init__()
        self.config = config
        self.code_size = int(config.code)
        if encoder is not None:
            self.encoder = encoder
        self.decoder = decoder

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder without its final Sigmoid (for a cross-entropy loss); the decoder itself when it has none.

        Every decoder with a Sigmoid has it last (taking a sigmoid's output as logits would hold every
        pixel in [0.5, 0.73]: the vanilla and denoising types once stuck at a grey image that way)."""
        if isinstance(self.decoder[-1], nn.Sigmoid):
            return self.decoder[:-1](z)
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class VaeAutoencoder(Autoencoder):
    """The shared ConvVae behind the Autoencoder interface: the code is the posterior mean."""

    def __init__(self, config: RepresentationConfig) -> None:
        nn.Module.__init__(self)
        self.config = config
        self.code_size = int(config.code)
        self.code_slice = self.code_size
        self.vae = ConvVae(vae_config(config))

    # Views over the VAE's own layers (not registered again: the state dict holds `vae.*` only).
    @property
    def encoder(self) -> nn.Sequential:  # type: ignore[override]
        return nn.Sequential(self.vae.enc_conv, nn.Flatten(), self.vae.enc_fc)

    @property
    def decoder(self) -> nn.Sequential:  # type: ignore[override]
        w = self.vae.width
        return nn.Sequential(self.vae.dec_fc, nn.Unflatten(1, (2 * w, 7, 7)), self.vae.dec_conv, nn.Sigmoid())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.vae.encode(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.vae.decode(z))

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(z)


class GanModel(Autoencoder):
    """A DCGAN: `decoder` is the generator (codes ~ N(0, I) → images), `discriminator` scores images (logits)."""

    has_encoder = False

    def __init__(self, config: RepresentationConfig) -> None:
        w = config.width
        generator = nn.Sequential(
            nn.Linear(config.code, 2 * w * 7 * 7), nn.BatchNorm1d(2 * w * 7 * 7), nn.ReLU(),
            nn.Unflatten(1, (2 * w, 7, 7)),
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
            nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1), nn.Sigmoid(),
        )  # fmt: skip
        super().__init__(config, None, generator)
        self.discriminator = nn.Sequential(
            nn.Conv2d(1, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(2 * w * 7 * 7, 1),
        )  # fmt: skip

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("a GAN has no encoder: it cannot map an image to a code")


def vae_config(config: RepresentationConfig) -> VaeConfig:
    """The shared VAE's config for a representation config of model "vae"."""
    return VaeConfig(
        dataset=config.dataset,
        model="conv",
        latent_dim=config.code,
        hidden=config.hidden[0] if config.hidden else 256,
        width=config.width,
        beta=config.beta,
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        lr_min=config.lr_min,
        seed=config.seed,
        max_seconds=config.max_seconds,
    )


def _mlp(sizes: list[int], *, last_activation: nn.Module | None) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if last_activation is not None:
        layers.append(last_activation)
    return layers


def _build(config: RepresentationConfig, pixels: int, side: tuple[int, int]) -> Autoencoder:
    code, model = int(config.code), config.model
    if model == "vae":
        return VaeAutoencoder(config)
    if model == "gan":
        return GanModel(config)
    unflatten = nn.Unflatten(1, (1, *side))
    if model == "conv":
        w = config.width
        encoder = nn.Sequential(
            nn.Conv2d(1, w, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(2 * w * 7 * 7, code),
        )  # fmt: skip
        decoder = nn.Sequential(
            nn.Linear(code, 2 * w * 7 * 7), nn.ReLU(), nn.Unflatten(1, (2 * w, 7, 7)),
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1), nn.Sigmoid(),
        )  # fmt: skip
        return Autoencoder(config, encoder, decoder)
    if model in ("linear", "pca"):
        encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, code))
        return Autoencoder(config, encoder, nn.Sequential(nn.Linear(code, pixels), unflatten))
    hidden = list(config.hidden)
    code_activation = nn.Sigmoid() if model == "sparse" else None
    encoder = nn.Sequential(nn.Flatten(), *_mlp([pixels, *hidden, code], last_activation=code_activation))
    # The Sigmoid last (after the reshape), so `decode_logits` drops it as for every other decoder.
    decoder_layers = _mlp([code, *hidden[::-1], pixels], last_activation=None)
    return Autoencoder(config, encoder, nn.Sequential(*decoder_layers, unflatten, nn.Sigmoid()))


def model_build(config: RepresentationConfig, *, side: tuple[int, int] = (SIDE, SIDE)) -> Autoencoder:
    """A freshly initialised network for `config.model`; its weights depend only on config.seed.

    `side` other than 28×28 is for the MLP types only (the sparse filters on 8×8 natural-image patches).
    """
    if config.model in ("tsne", "umap"):
        raise ValueError(f"model: {config.model} is a map, not a network")
    if side != (SIDE, SIDE) and config.model in ("conv", "vae", "gan"):
        raise ValueError(f"side: the {config.model} network is for 28×28 images only")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return _build(config, side[0] * side[1], side)


def parameters_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
