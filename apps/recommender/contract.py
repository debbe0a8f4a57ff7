"""The recommender's contract with the platform: one training, one model kind."""

from __future__ import annotations

from apps.core.registry import AppContract, ModelKind, Training
from apps.recommender import demo, selectors, training, training_config

APP = AppContract(
    label="recommender",
    title="Recommendations",
    trainings=(
        Training(
            name="recommender",
            handler=training.recommender_train_job,
            validator=training_config.training_params_validate,
            title="Train a recommender",
        ),
    ),
    models=(ModelKind(name="recommender", training="recommender", title="Collaborative-filtering autoencoder"),),
    home_card=selectors.home_card,
    demo_seed=demo.demo_seed,
    demo_seed_later=demo.demo_seed_later,
)
