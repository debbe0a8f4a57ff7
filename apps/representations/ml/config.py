"""Settings of every representation model: the autoencoder types, the GAN and the baselines.

The web process validates a training request with `RepresentationConfig.from_dict` before it is
queued, so this module imports neither torch nor NumPy. Every setting left as None takes its
model's default (`DEFAULTS`), filled in by `__post_init__`, so a saved config says what ran.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from apps.core.ml.config import Config, check

# The autoencoder types of the lecture, and the GAN they are compared with.
MODELS = ("vanilla", "linear", "sparse", "conv", "denoising", "vae", "gan")
# What the autoencoders are measured against: PCA (a linear code, and a 2-D map), t-SNE and UMAP (maps only).
BASELINES = ("pca", "tsne", "umap")
ALL_MODELS = MODELS + BASELINES
MAPS_ONLY = ("tsne", "umap")  # no code size but 2, no decoder, fitted on the points they map
HAS_ENCODER = ("vanilla", "linear", "sparse", "conv", "denoising", "vae", "pca")
GENERATIVE = ("vae", "gan")
CODE_SIZES = (2, 8, 16, 30, 32, 64)  # the sizes the benchmarks and the comparison page use
DATASETS = ("fashion-mnist", "mnist")
DEFAULT_MODEL = "conv"
CORRUPTIONS = ("mask", "gaussian")
LOSSES = ("mse", "bce")
CODE_MAX = 256

# Per-model defaults of the settings left as None. Chosen to train a decent model within
# `max_seconds` on 2 CPU cores; the benchmarks say how good.
DEFAULTS: dict[str, dict[str, object]] = {
    # Hinton & Salakhutdinov (2006): 784-1000-500-250-30.
    "vanilla": {"code": 30, "hidden": (1000, 500, 250), "loss": "bce", "lr": 1e-3, "weight_decay": 0.0},
    # No hidden layer, no non-linearity, squared error: the autoencoder that PCA solves in closed form.
    "linear": {"code": 8, "hidden": (), "loss": "mse", "lr": 3e-3, "weight_decay": 0.0},
    # UFLDL's sparse autoencoder: one sigmoid layer, squared error, lambda 3e-3, rho 0.1, beta 3.
    "sparse": {"code": 196, "hidden": (), "loss": "mse", "lr": 3e-3, "weight_decay": 3e-3},
    "conv": {"code": 16, "hidden": (), "loss": "bce", "lr": 1e-3, "weight_decay": 0.0},
    "denoising": {"code": 32, "hidden": (1000, 500, 250), "loss": "bce", "lr": 1e-3, "weight_decay": 0.0},
    "vae": {"code": 16, "hidden": (256,), "loss": "bce", "lr": 1e-3, "weight_decay": 0.0},
    # DCGAN's Adam: lr 2e-4 (beta1 0.5 is fixed in the loop).
    "gan": {"code": 64, "hidden": (), "loss": "bce", "lr": 2e-4, "weight_decay": 0.0},
    "pca": {"code": 2, "hidden": (), "loss": "mse", "lr": 1e-3, "weight_decay": 0.0},
    "tsne": {"code": 2, "hidden": (), "loss": "mse", "lr": 1e-3, "weight_decay": 0.0},
    "umap": {"code": 2, "hidden": (), "loss": "mse", "lr": 1e-3, "weight_decay": 0.0},
}


@dataclass(frozen=True)
class RepresentationConfig(Config):
    dataset: str = "fashion-mnist"
    model: str = DEFAULT_MODEL
    code: int | None = None  # code size (latent size of vae/gan); maps: 2; pca: its number of components
    epochs: int = 30
    batch_size: int = 128
    lr: float | None = None
    # Cosine decay to this over `epochs`, or over `max_seconds` when the budget ends training first; None: constant.
    lr_min: float | None = None
    seed: int = 0
    max_seconds: float | None = 240.0  # time budget of the training loop (checked after every batch)
    train_count: int | None = None  # the first N training images; None: all 60,000
    # The type's own settings (ignored where they do not apply):
    hidden: tuple[int, ...] | None = None  # fully connected widths between the image and the code (MLP types)
    loss: str | None = None  # "bce" (sigmoid output, cross-entropy) or "mse" (squared error, per image)
    weight_decay: float | None = None  # lambda of an explicit (lambda/2)·sum(W²) on the weights (not biases)
    sparsity_target: float = 0.1  # rho: the mean activation each sparse code unit is pushed towards
    sparsity_weight: float = 3.0  # beta: weight of sum_j KL(rho || rho_hat_j)
    l1_weight: float = 0.0  # weight of an L1 penalty on the code (any type but vae/gan)
    corruption: str = "mask"  # denoising: "mask" (zero a fraction of pixels) or "gaussian" (add noise)
    corruption_level: float = 0.3  # mask: the fraction of pixels zeroed; gaussian: the noise std on [0, 1]
    width: int = 32  # channels of the first conv layer (conv, vae, gan; doubled in the second)
    beta: float = 1.0  # vae: weight of the KL term
    neighbors: int = 15  # umap: n_neighbors
    min_dist: float = 0.1  # umap
    perplexity: float = 30.0  # tsne

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Self:
        """Config.from_dict, reading an empty `hidden` list (what to_dict writes for none) as no hidden layer."""
        data = dict(data or {})
        hidden = data.get("hidden")
        if isinstance(hidden, list | tuple) and not hidden:
            del data["hidden"]
            return dataclasses.replace(super().from_dict(data), hidden=())
        return super().from_dict(data)

    def __post_init__(self) -> None:
        check(self.model in ALL_MODELS, "model", f"must be one of {', '.join(ALL_MODELS)}")
        for key, value in DEFAULTS[self.model].items():
            if getattr(self, key) is None:
                object.__setattr__(self, key, value)
        representation_config_validate(self)

    @property
    def is_baseline(self) -> bool:
        return self.model in BASELINES

    @property
    def has_encoder(self) -> bool:
        return self.model in HAS_ENCODER


def representation_config_validate(config: RepresentationConfig) -> None:
    """Raise ConfigError naming the first setting out of range."""
    check(config.dataset in DATASETS, "dataset", f"must be one of {', '.join(DATASETS)}")
    check(1 <= config.code <= CODE_MAX, "code", f"must be in 1..{CODE_MAX}")
    check(config.model not in MAPS_ONLY or config.code == 2, "code", f"must be 2 for {config.model} (a 2-D map)")
    check(config.model != "pca" or config.code <= 784, "code", "must be at most 784 for pca")
    check(1 <= config.epochs <= 10_000, "epochs", "must be in 1..10000")
    check(1 <= config.batch_size <= 8192, "batch_size", "must be in 1..8192")
    # The GAN's batch norms normalise by each batch's statistics while training: one image has none.
    check(config.model != "gan" or config.batch_size >= 2, "batch_size", "must be at least 2 for the gan")
    check(0 < config.lr <= 1.0, "lr", "must be in (0, 1]")
    check(config.lr_min is None or 0 <= config.lr_min <= config.lr, "lr_min", "must be in [0, lr] or null")
    check(0 <= config.seed < 2**31, "seed", "must be in 0..2147483647")
    check(config.max_seconds is None or config.max_seconds > 0, "max_seconds", "must be positive or null")
    check(config.train_count is None or config.train_count >= 10, "train_count", "must be at least 10 or null")
    check(len(config.hidden) <= 6, "hidden", "at most 6 hidden layers")
    check(all(8 <= h <= 4096 for h in config.hidden), "hidden", "every width must be in 8..4096")
    check(config.loss in LOSSES, "loss", f"must be one of {', '.join(LOSSES)}")
    check(config.model != "linear" or config.loss == "mse", "loss", "must be mse for the linear autoencoder")
    check(0 <= config.weight_decay <= 1.0, "weight_decay", "must be in [0, 1]")
    check(0 < config.sparsity_target < 1, "sparsity_target", "must be in (0, 1)")
    check(0 <= config.sparsity_weight <= 100, "sparsity_weight", "must be in [0, 100]")
    check(0 <= config.l1_weight <= 100, "l1_weight", "must be in [0, 100]")
    check(config.corruption in CORRUPTIONS, "corruption", f"must be one of {', '.join(CORRUPTIONS)}")
    limit = 1.0 if config.corruption == "gaussian" else 0.95
    check(0 <= config.corruption_level <= limit, "corruption_level", f"must be in [0, {limit}]")
    check(4 <= config.width <= 256, "width", "must be in 4..256")
    check(0 <= config.beta <= 100, "beta", "must be in [0, 100]")
    check(2 <= config.neighbors <= 200, "neighbors", "must be in 2..200")
    check(0 <= config.min_dist <= 1, "min_dist", "must be in [0, 1]")
    check(2 <= config.perplexity <= 500, "perplexity", "must be in 2..500")
