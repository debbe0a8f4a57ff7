"""Training settings of the denoise app's two models, validated without torch (the web checks them too).

`DenoiserConfig`: the photo U-Net (Train400 patches, any size at inference). `DaeConfig`: the
classic 28×28 denoising autoencoder of the demo (Fashion-MNIST or MNIST).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.ml.config import Config, check

# The largest noise level (0-255 scale) one photo model is trained to cover, and so the most an
# upload may ask to have added: the API's serializer, the service and the config all use this one.
SIGMA_MAX = 75.0
# Forward passes of the "best quality" self-ensemble (the 8 flips and quarter turns of an image,
# inference._forward): what such a request counts against the pixel budget.
SELF_ENSEMBLE_PASSES = 8
# Data sets of the photo denoiser, in order of preference: Train400, else the bundled samples
# (what `train denoiser` falls back to when Train400 is missing).
PHOTO_DATASETS = ("train400", "samples")
# Data sets of the 28×28 demo autoencoder (read through apps.core.ml.image_datasets).
DAE_DATASETS = ("fashion-mnist", "mnist")
# The noise level (0-255 scale) below which loss_weight="sigma" weighs a patch as if it had this
# much: near sigma 0 the error vanishes too, and 1/sigma would let a clean patch take the batch.
SIGMA_WEIGHT_FLOOR = 5.0
LR_SCALING_POWERS = {"none": 0.0, "linear": 1.0, "sqrt": 0.5}


@dataclass(frozen=True)
class DenoiserConfig(Config):
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
    # "sigma": each patch's loss is divided by its noise level (floored at SIGMA_WEIGHT_FLOOR), so
    # every level counts about equally in PSNR. A denoiser's squared error grows about in proportion
    # to sigma, so a plain mean over mixed levels lets the noisiest patches steer the model and
    # shortchanges the light noise most photos have. "none": the plain mean.
    loss_weight: str = "none"
    sigma_min: float = 0.0
    sigma_max: float = SIGMA_MAX
    scales: tuple[float, ...] = (1.0, 0.9, 0.8, 0.7)  # image rescalings the patches are drawn from
    val_fraction: float = 0.02
    val_patch_size: int = 96
    seed: int = 0
    max_seconds: float | None = None  # stop after the epoch that passes this wall-clock budget
    # Speed only (the model learns the same thing): the loss is read back from the device every
    # `log_every` steps, not every step, so a GPU never waits for the host.
    log_every: int = 50
    amp: str = "auto"  # bf16 autocast: auto = on CUDA only; "bf16" or "off" force it
    channels_last: str = "auto"  # NHWC tensors for the convolutions: auto = on CUDA only; "on" or "off"
    # Learning rate for other batch sizes: the rate used is lr × (batch_size / lr_batch) ** power,
    # power 0 for "none", 1 for "linear" (Goyal et al. 2017, SGD), 0.5 for "sqrt" (the rule for Adam,
    # Malladi et al. 2022). lr_min scales alike. "none" keeps lr as given whatever the batch.
    lr_scaling: str = "none"
    lr_batch: int = 64  # the batch size `lr` was tuned at

    def __post_init__(self) -> None:
        config_validate(self)

    def lr_scaled(self) -> tuple[float, float]:
        """(lr, lr_min) as used for this batch size under `lr_scaling`."""
        factor = (self.batch_size / self.lr_batch) ** LR_SCALING_POWERS[self.lr_scaling]
        return self.lr * factor, self.lr_min * factor


def config_validate(config: DenoiserConfig) -> None:
    """Raise ConfigError naming the first setting out of range."""
    check(config.channels in (1, 3), "channels", "must be 1 (grayscale) or 3 (RGB)")
    check(8 <= config.width <= 256, "width", "must be in 8..256")
    check(1 <= config.levels <= 4, "levels", "must be in 1..4")
    check(1 <= config.convs <= 6, "convs", "must be in 1..6")
    multiple = 2**config.levels  # the net pads to this; patches already aligned waste nothing
    check(
        16 <= config.patch_size <= 256 and config.patch_size % multiple == 0,
        "patch_size",
        f"must be in 16..256 and a multiple of {multiple} for {config.levels} levels",
    )
    check(1 <= config.batch_size <= 1024, "batch_size", "must be in 1..1024")
    check(1 <= config.epochs <= 10_000, "epochs", "must be in 1..10000")
    check(
        config.batch_size <= config.patches_per_epoch <= 10_000_000,
        "patches_per_epoch",
        "must be at least batch_size and at most 10,000,000",
    )
    check(0 < config.lr <= 1.0, "lr", "must be in (0, 1]")
    check(0 <= config.lr_min <= config.lr, "lr_min", "must be in [0, lr]")
    check(0 <= config.weight_decay < 1.0, "weight_decay", "must be in [0, 1)")
    check(config.loss in ("l1", "l2"), "loss", "must be 'l1' or 'l2'")
    check(config.loss_weight in ("none", "sigma"), "loss_weight", "must be 'none' or 'sigma'")
    check(0 <= config.sigma_min <= config.sigma_max, "sigma_min", "must be in [0, sigma_max]")
    check(0 < config.sigma_max <= 255, "sigma_max", "must be in (0, 255]")
    check(
        len(config.scales) > 0 and all(0.25 <= s <= 1.0 for s in config.scales),
        "scales",
        "must be a non-empty list of factors in [0.25, 1]",
    )
    check(0 <= config.val_fraction < 0.5, "val_fraction", "must be in [0, 0.5)")
    check(
        16 <= config.val_patch_size <= 512 and config.val_patch_size % multiple == 0,
        "val_patch_size",
        f"must be in 16..512 and a multiple of {multiple}",
    )
    check(config.max_seconds is None or config.max_seconds > 0, "max_seconds", "must be positive or null")
    check(1 <= config.log_every <= 100_000, "log_every", "must be in 1..100000")
    check(config.amp in ("auto", "bf16", "off"), "amp", "must be auto, bf16 or off")
    check(config.channels_last in ("auto", "on", "off"), "channels_last", "must be auto, on or off")
    check(config.lr_scaling in LR_SCALING_POWERS, "lr_scaling", f"must be one of {', '.join(LR_SCALING_POWERS)}")
    check(1 <= config.lr_batch <= 1024, "lr_batch", "must be in 1..1024")
    check(config.lr_scaled()[0] <= 1.0, "lr", "scaled to this batch size, must stay at most 1")


@dataclass(frozen=True)
class DaeConfig(Config):
    """The 28×28 demo: a small convolutional autoencoder trained on noisy Fashion-MNIST or MNIST.

    `dataset` stays a field: checkpoints made before the demo moved here record it in their
    config, and `from_dict` refuses unknown keys.
    """

    dataset: str = "fashion-mnist"
    width: int = 32
    noise_std: float = 0.3  # Gaussian noise on intensities in [0, 1], clipped back into range
    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    val_fraction: float = 0.02
    seed: int = 0
    max_seconds: float | None = None

    def __post_init__(self) -> None:
        check(self.dataset in DAE_DATASETS, "dataset", f"must be one of {', '.join(DAE_DATASETS)}")
        check(4 <= self.width <= 256, "width", "must be in 4..256")
        check(0 < self.noise_std <= 1.0, "noise_std", "must be in (0, 1]")
        check(1 <= self.epochs <= 10_000, "epochs", "must be in 1..10000")
        check(1 <= self.batch_size <= 8192, "batch_size", "must be in 1..8192")
        check(0 < self.lr <= 1.0, "lr", "must be in (0, 1]")
        check(0 <= self.val_fraction < 0.5, "val_fraction", "must be in [0, 0.5)")
        check(self.max_seconds is None or self.max_seconds > 0, "max_seconds", "must be positive or null")
