"""Training settings of the VAEs, validated without torch (the gallery and other apps build on them).

The web process validates a job's settings with these classes before queueing it, so this
module imports neither torch nor NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.ml.config import Config, check

# "conv": the gallery's default; "conditional": the same net told the class (ask for "sneakers");
# "latent2d": the conv net with a 2-D latent space, for the latent map; "mlp": the classic
# 784-400-20 VAE of Kingma & Welling (2014), the benchmark baseline.
VAE_MODELS = ("conv", "conditional", "latent2d", "mlp")
LATENT_DEFAULTS = {"conv": 16, "conditional": 16, "latent2d": 2, "mlp": 20}
HIDDEN_DEFAULTS = {"conv": 256, "conditional": 256, "latent2d": 256, "mlp": 400}
IMAGE_DATASETS = ("fashion-mnist", "mnist")


@dataclass(frozen=True)
class VaeConfig(Config):
    dataset: str = "fashion-mnist"  # names the classes a conditional model is asked for
    model: str = "conv"
    latent_dim: int | None = None  # None: the model's default (LATENT_DEFAULTS)
    hidden: int | None = None  # fully connected width; None: the model's default (HIDDEN_DEFAULTS)
    width: int = 32  # channels of the first conv layer (doubled in the second)
    num_classes: int = 10
    beta: float = 1.0  # weight of the KL term (beta-VAE); 1 is the true ELBO
    kl_warmup_epochs: int = 0  # ramp beta up from 0 over this many epochs (avoids early posterior collapse)
    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3
    lr_min: float | None = None  # cosine decay to this over `epochs`; None keeps lr constant
    # Dynamic binarisation: resample every pixel as Bernoulli(grey level) each epoch, the
    # standard protocol for MNIST likelihoods; False trains on grey levels as Bernoulli means.
    binarize: bool = False
    # Importance samples of the training objective: 1 trains on the ELBO; K > 1 on the
    # importance-weighted bound with K samples (IWAE, Burda et al. 2015), a tighter bound that
    # gives a better likelihood (their MNIST: 86.76 nats at K=1, 84.78 at K=50) for K× the decoding.
    iwae_samples: int = 1
    val_fraction: float = 0.0  # held out from the training images to report a validation ELBO
    seed: int = 0
    max_seconds: float | None = None  # stop after the epoch that passes this wall-clock budget

    def __post_init__(self) -> None:
        check(self.model in VAE_MODELS, "model", f"must be one of {', '.join(VAE_MODELS)}")
        if self.latent_dim is None:
            object.__setattr__(self, "latent_dim", LATENT_DEFAULTS[self.model])
        if self.hidden is None:
            object.__setattr__(self, "hidden", HIDDEN_DEFAULTS[self.model])
        vae_config_validate(self)

    @property
    def conditional(self) -> bool:
        return self.model == "conditional"


def vae_config_validate(config: VaeConfig) -> None:
    """Raise ConfigError naming the first setting out of range."""
    check(config.dataset in IMAGE_DATASETS, "dataset", f"must be one of {', '.join(IMAGE_DATASETS)}")
    check(1 <= config.latent_dim <= 512, "latent_dim", "must be in 1..512")
    check(config.model != "latent2d" or config.latent_dim == 2, "latent_dim", "must be 2 for the latent2d model")
    check(8 <= config.hidden <= 4096, "hidden", "must be in 8..4096")
    check(4 <= config.width <= 256, "width", "must be in 4..256")
    check(2 <= config.num_classes <= 1000, "num_classes", "must be in 2..1000")
    check(0 <= config.beta <= 100, "beta", "must be in [0, 100]")
    check(0 <= config.kl_warmup_epochs <= 10_000, "kl_warmup_epochs", "must be in 0..10000")
    check(1 <= config.epochs <= 10_000, "epochs", "must be in 1..10000")
    check(1 <= config.batch_size <= 8192, "batch_size", "must be in 1..8192")
    check(0 < config.lr <= 1.0, "lr", "must be in (0, 1]")
    check(config.lr_min is None or 0 <= config.lr_min <= config.lr, "lr_min", "must be in [0, lr] or null")
    check(1 <= config.iwae_samples <= 1000, "iwae_samples", "must be in 1..1000")
    # The IWAE bound has no separate KL term to weigh or warm up.
    check(config.iwae_samples == 1 or config.beta == 1, "beta", "must be 1 when iwae_samples > 1")
    check(
        config.iwae_samples == 1 or config.kl_warmup_epochs == 0,
        "kl_warmup_epochs",
        "must be 0 when iwae_samples > 1",
    )
    check(0 <= config.val_fraction < 0.5, "val_fraction", "must be in [0, 0.5)")
    check(config.max_seconds is None or config.max_seconds > 0, "max_seconds", "must be positive or null")
