"""Training settings for the recommender. Imports nothing heavy: the web validates configs with it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

MODELS = ("mult-vae", "mult-dae", "ease", "recvae")


@dataclass
class TrainConfig:
    """Every field has a default that works on MovieLens-sized data; see `from_dict` for checks.

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
    # The EASE baseline inverts a dense items x items matrix (about 3 float64 copies of it): above
    # this many items a neural model trains without it, so a 20k-item catalogue fits in a few GB.
    ease_baseline_max_items: int = 10_000
    heldout_users: int | None = None  # None: about 10 % of the users each for validation and test
    seed: int = 0
    threshold: float = 3.5  # ratings above it are positives
    eval_batch_size: int = 1000
    gamma: float = 0.005  # RecVAE: KL weight per item in the user's history
    encoder_epochs: int = 3  # RecVAE: encoder passes per epoch (then one decoder pass)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> TrainConfig:
        """Checked construction: raises ValueError naming the key for unknown keys or bad values."""
        d = dict(d or {})
        known = {f.name: f for f in fields(cls)}
        for key in d:
            if key not in known:
                raise ValueError(f"unknown training setting {key!r}; known: {', '.join(sorted(known))}")
        values = {key: _coerce(key, value, known[key].type) for key, value in d.items()}
        config = cls(**values)
        config.validate()
        return config

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def validate(self) -> None:
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
            ("ease_baseline_max_items", self.ease_baseline_max_items >= 0, ">= 0"),
            ("heldout_users", self.heldout_users is None or self.heldout_users >= 1, ">= 1"),
            ("eval_batch_size", self.eval_batch_size >= 1, ">= 1"),
            ("gamma", self.gamma >= 0, ">= 0"),
            ("encoder_epochs", self.encoder_epochs >= 1, ">= 1"),
        ]
        for key, ok, expected in checks:
            if not ok:
                raise ValueError(f"training setting {key!r} must be {expected}, got {getattr(self, key)!r}")


def _coerce(key: str, value: Any, annotation: Any) -> Any:
    """JSON-ish values to the field's type: ints for int fields (2.0 is 2), floats from ints."""
    text = str(annotation)
    optional = "None" in text
    if value is None:
        if optional:
            return None
        raise ValueError(f"training setting {key!r} cannot be null")
    if isinstance(value, bool):
        raise ValueError(f"training setting {key!r} must be a number or text, got a boolean")
    if text.startswith("str"):
        if not isinstance(value, str):
            raise ValueError(f"training setting {key!r} must be text, got {value!r}")
        return value
    if text.startswith("int"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int):
            raise ValueError(f"training setting {key!r} must be an integer, got {value!r}")
        return value
    if text.startswith("float"):
        if not isinstance(value, int | float):
            raise ValueError(f"training setting {key!r} must be a number, got {value!r}")
        return float(value)
    return value
