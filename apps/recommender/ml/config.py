"""Training settings for the recommender. Imports nothing heavy: the web validates configs with it."""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.ml.config import Config, check

MODELS = ("mult-vae", "mult-dae", "ease", "recvae", "dlae", "edlae", "ensemble")
NEURAL_MODELS = ("mult-vae", "mult-dae", "recvae")
# Closed-form item-item models: trained in seconds, served through the same NumPy item-item path.
CLOSED_FORM_MODELS = ("ease", "dlae", "edlae")


@dataclass
class TrainConfig(Config):
    """Every field has a default that works on MovieLens-sized data; `validate` has the checks.

    Defaults differ from Liang et al.'s ML-20M run where small data needs it: with ~750
    training users a batch of 500 gives two updates per epoch, so the batch is smaller and
    the KL weight reaches its cap within the run (`total_anneal_steps=None`: 80 % of all
    updates) instead of after 200,000 updates.
    """

    model: str = "mult-vae"
    epochs: int = 100
    batch_size: int = 100
    lr: float = 1e-3
    weight_decay: float = 0.0  # L2 on weights (not biases), Adam's coupled form
    hidden: int = 600  # 0 = no hidden layer (I → latent → I)
    latent: int = 200
    dropout: float = 0.5
    anneal_cap: float = 0.2
    total_anneal_steps: int | None = None  # None: reach the cap at 80 % of all updates
    ease_lambda: float | None = None  # None: the best of a grid on the validation users
    # DLAE/EDLAE (Steck 2020): dropout p and the constant λ; None: searched on the validation users.
    dlae_dropout: float | None = None
    dlae_lambda: float | None = None
    # "ensemble": EDLAE blended with this neural model (the other settings above apply to it, but its
    # shape is its own: one hidden layer of 600, the shape that won on ML-100K's validation users), the
    # blend weight chosen on the validation users.
    ensemble_neural: str = "mult-dae"
    ensemble_hidden: int = 0
    ensemble_latent: int = 600
    # The EASE baseline inverts a dense items x items matrix (about 3 float64 copies of it): above
    # this many items a neural model trains without it, so a 20k-item catalogue fits in a few GB.
    ease_baseline_max_items: int = 10_000
    heldout_users: int | None = None  # None: about 10 % of the users each for validation and test
    seed: int = 0
    threshold: float = 3.5  # ratings above it are positives
    eval_batch_size: int = 1000
    gamma: float = 0.005  # RecVAE: KL weight per item in the user's history
    encoder_epochs: int = 3  # RecVAE: encoder passes per epoch (then one decoder pass)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """ConfigError naming the first setting out of range; the trainer calls it again (fields can change)."""
        checks = [
            ("model", self.model in MODELS, f"one of {', '.join(MODELS)}"),
            ("epochs", self.epochs >= 1, ">= 1"),
            ("batch_size", self.batch_size >= 1, ">= 1"),
            ("lr", self.lr > 0, "> 0"),
            ("weight_decay", self.weight_decay >= 0, ">= 0"),
            ("hidden", self.hidden >= 0, ">= 0"),
            ("latent", self.latent >= 1, ">= 1"),
            ("dropout", 0 <= self.dropout < 1, "in [0, 1)"),
            ("anneal_cap", self.anneal_cap >= 0, ">= 0"),
            ("total_anneal_steps", self.total_anneal_steps is None or self.total_anneal_steps >= 1, ">= 1"),
            ("ease_lambda", self.ease_lambda is None or self.ease_lambda > 0, "> 0"),
            ("dlae_dropout", self.dlae_dropout is None or 0 <= self.dlae_dropout < 1, "in [0, 1)"),
            ("dlae_lambda", self.dlae_lambda is None or self.dlae_lambda > 0, "> 0"),
            ("ease_baseline_max_items", self.ease_baseline_max_items >= 0, ">= 0"),
            ("ensemble_neural", self.ensemble_neural in NEURAL_MODELS, f"one of {', '.join(NEURAL_MODELS)}"),
            ("ensemble_hidden", self.ensemble_hidden >= 0, ">= 0"),
            ("ensemble_latent", self.ensemble_latent >= 1, ">= 1"),
            ("heldout_users", self.heldout_users is None or self.heldout_users >= 1, ">= 1"),
            ("eval_batch_size", self.eval_batch_size >= 1, ">= 1"),
            ("gamma", self.gamma >= 0, ">= 0"),
            ("encoder_epochs", self.encoder_epochs >= 1, ">= 1"),
        ]
        for key, ok, expected in checks:
            check(ok, key, f"must be {expected}, got {getattr(self, key)!r}")
