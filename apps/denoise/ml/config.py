"""Training configuration of the denoiser, validated without torch (the web checks it too)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

SIGMA_MAX = 75.0  # the largest noise level (0-255 scale) one model is trained to cover


@dataclass(frozen=True)
class DenoiserConfig:
    channels: int = 1  # 1: grayscale model (also serves RGB through an opponent transform); 3: RGB model
    width: int = 48  # features at the first (half-resolution) level; doubles at each level below
    levels: int = 3  # resolutions inside the net: 1/2, 1/4, 1/8 of the input for 3
    convs: int = 2  # 3x3 convolutions per level on each side of the encoder-decoder
    patch_size: int = 48
    batch_size: int = 32
    epochs: int = 20
    patches_per_epoch: int = 8192
    lr: float = 1e-3
    lr_min: float = 1e-5
    weight_decay: float = 0.0
    loss: str = "l2"
    sigma_min: float = 0.0
    sigma_max: float = SIGMA_MAX
    scales: tuple[float, ...] = (1.0, 0.9, 0.8, 0.7)  # image rescalings the patches are drawn from
    val_fraction: float = 0.02
    val_patch_size: int = 96
    seed: int = 0
    max_seconds: float | None = None  # stop after the epoch that passes this wall-clock budget

    def __post_init__(self) -> None:
        config_validate(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DenoiserConfig:
        """Build from JSON-like values (admin form, API body); ValueError names the bad key."""
        data = dict(data or {})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown denoiser setting (known: {', '.join(sorted(known))})")
        values: dict[str, Any] = {}
        for key, raw in data.items():
            values[key] = _value_coerce(key, raw, getattr(cls, key) if hasattr(cls, key) else None)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["scales"] = list(self.scales)
        return out


def _value_coerce(key: str, raw: Any, default: Any) -> Any:
    # JSON has no tuples and forms send strings: accept those spellings, reject anything else.
    try:
        if key == "scales":
            if isinstance(raw, str):
                raw = [part for part in raw.split(",") if part.strip()]
            if not isinstance(raw, list | tuple) or not raw:
                raise TypeError
            return tuple(float(v) for v in raw)
        if key == "max_seconds":
            return None if raw in (None, "", "none", "None") else float(raw)
        if key == "loss":
            if not isinstance(raw, str):
                raise TypeError
            return raw
        if isinstance(default, bool):
            raise TypeError
        if isinstance(default, int):
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise TypeError
            return int(raw)
        if isinstance(default, float):
            if isinstance(raw, bool):
                raise TypeError
            return float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{key}: cannot use {raw!r} as a value") from None
    return raw


def _check(ok: bool, key: str, message: str) -> None:
    if not ok:
        raise ValueError(f"{key}: {message}")


def config_validate(config: DenoiserConfig) -> None:
    """Raise ValueError naming the first setting out of range."""
    _check(config.channels in (1, 3), "channels", "must be 1 (grayscale) or 3 (RGB)")
    _check(8 <= config.width <= 256, "width", "must be in 8..256")
    _check(1 <= config.levels <= 4, "levels", "must be in 1..4")
    _check(1 <= config.convs <= 6, "convs", "must be in 1..6")
    multiple = 2**config.levels  # the net pads to this; patches already aligned waste nothing
    _check(
        16 <= config.patch_size <= 256 and config.patch_size % multiple == 0,
        "patch_size",
        f"must be in 16..256 and a multiple of {multiple} for {config.levels} levels",
    )
    _check(1 <= config.batch_size <= 1024, "batch_size", "must be in 1..1024")
    _check(1 <= config.epochs <= 10_000, "epochs", "must be in 1..10000")
    _check(config.batch_size <= config.patches_per_epoch <= 10_000_000, "patches_per_epoch",
           "must be at least batch_size and at most 10,000,000")
    _check(0 < config.lr <= 1.0, "lr", "must be in (0, 1]")
    _check(0 <= config.lr_min <= config.lr, "lr_min", "must be in [0, lr]")
    _check(0 <= config.weight_decay < 1.0, "weight_decay", "must be in [0, 1)")
    _check(config.loss in ("l1", "l2"), "loss", "must be 'l1' or 'l2'")
    _check(0 <= config.sigma_min <= config.sigma_max, "sigma_min", "must be in [0, sigma_max]")
    _check(0 < config.sigma_max <= 255, "sigma_max", "must be in (0, 255]")
    _check(len(config.scales) > 0 and all(0.25 <= s <= 1.0 for s in config.scales), "scales",
           "must be a non-empty list of factors in [0.25, 1]")
    _check(0 <= config.val_fraction < 0.5, "val_fraction", "must be in [0, 0.5)")
    _check(16 <= config.val_patch_size <= 512 and config.val_patch_size % multiple == 0, "val_patch_size",
           f"must be in 16..512 and a multiple of {multiple}")
    _check(config.max_seconds is None or config.max_seconds > 0, "max_seconds", "must be positive or null")
