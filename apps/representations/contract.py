"""The representations app's contract with the platform: `train representation` and its model kind.

One model kind, "representation", with one slot per autoencoder type and baseline (the slot is the
model's name): the wardrobe shows a map per slot, the comparison pages a row per slot. No
interactive job: the web answers decoding and encoding from NumPy (serving.py).
"""

from __future__ import annotations

from apps.core.registry import AppContract, ModelKind, Training
from apps.representations import demo, params, selectors, training
from apps.representations.slots import REPRESENTATION_KIND, SLOTS, TRAINING

APP = AppContract(
    label="representations",
    title="Representations",
    trainings=(
        Training(
            name=TRAINING,
            handler=training.representation_train_job,
            validator=params.training_params_validate,
            title="Train an autoencoder type or a baseline map",
        ),
    ),
    models=(
        ModelKind(
            name=REPRESENTATION_KIND,
            training=TRAINING,
            slots=SLOTS,
            title="Representation (autoencoder types, GAN, PCA/t-SNE/UMAP)",
        ),
    ),
    home_card=selectors.home_card,
    demo_seed=demo.demo_seed,
    demo_seed_later=demo.demo_seed_later,
)
