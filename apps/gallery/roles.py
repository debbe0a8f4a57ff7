"""The gallery's three model roles and the ModelVersion kind each is registered under.

Design choice: ActiveModel is unique per (kind, dataset), and the gallery needs three models
per data set at once (the default conv VAE, the class-conditional one, the 2-D latent one), so
each role is its own ModelVersion kind. All three come from one trainer, `train vae`; the core
registry maps the kinds back to it (jobkinds.MODEL_KINDS) so the admin's "retrain" works.
"""

from __future__ import annotations

from apps.gallery.ml.config import IMAGE_DATASETS, VAE_MODELS

TRAINING_NAME = "vae"
ROLE_DEFAULT = "vae"  # unconditional samples, reconstructions, interpolation
ROLE_CONDITIONAL = "vae-conditional"  # samples of a named class ("sneaker", "7")
ROLE_LATENT2D = "vae-latent2d"  # the latent map
# The classic denoising-autoencoder demo on the same data, trained by `train vae --model dae` so
# it is versioned, evaluated and retrained like the VAEs (it is an autoencoder, not a VAE).
ROLE_DAE = "vae-dae"
MODEL_ROLES = {
    "conv": ROLE_DEFAULT,
    "mlp": ROLE_DEFAULT,
    "conditional": ROLE_CONDITIONAL,
    "latent2d": ROLE_LATENT2D,
    "dae": ROLE_DAE,
}
ROLES = (ROLE_DEFAULT, ROLE_CONDITIONAL, ROLE_LATENT2D, ROLE_DAE)
TRAINABLE = (*VAE_MODELS, "dae")
DATASETS = IMAGE_DATASETS
DEFAULT_DATASET = "fashion-mnist"
DEFAULT_MODEL = "conv"

assert set(MODEL_ROLES) == set(TRAINABLE), "every model needs a gallery role"


def role_for_model(model: str) -> str:
    return MODEL_ROLES[model]
