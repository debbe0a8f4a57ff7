"""The gallery's model kind, its slots, and which trainable model fills which slot. No torch."""

from __future__ import annotations

from apps.core.ml.vae.config import IMAGE_DATASETS, VAE_MODELS

VAE_KIND = "vae"
SLOT_DEFAULT = "default"  # unconditional samples, reconstructions, interpolation
SLOT_CONDITIONAL = "conditional"  # samples of a named class ("sneaker", "7")
SLOT_LATENT2D = "latent2d"  # the latent map
SLOT_FOR_MODEL = {"conv": SLOT_DEFAULT, "mlp": SLOT_DEFAULT, "conditional": SLOT_CONDITIONAL, "latent2d": SLOT_LATENT2D}
MODEL_FOR_SLOT = {SLOT_DEFAULT: "conv", SLOT_CONDITIONAL: "conditional", SLOT_LATENT2D: "latent2d"}
DATASETS = IMAGE_DATASETS
DEFAULT_DATASET = "fashion-mnist"
DEFAULT_MODEL = "conv"

assert set(SLOT_FOR_MODEL) == set(VAE_MODELS), "every VAE model needs a gallery slot"
