"""The anomaly app's contract with the platform: `train anomaly` (one-class image models, the seq2seq
autoencoder on a shipped series), fitting a visitor's table or series (training queue), and scoring new
rows or an image (interactive queue)."""

from __future__ import annotations

from apps.anomaly import demo, params, selectors, training, worker
from apps.anomaly.slots import (
    ANOMALY_KIND,
    IMAGE_SCORE_KIND,
    SERIES_KIND,
    SLOTS,
    TABLE_KIND,
    TABLE_SCORE_KIND,
    TRAINING,
)
from apps.core.queues import QUEUE_INTERACTIVE, QUEUE_TRAINING
from apps.core.registry import AppContract, JobKind, ModelKind, Training

APP = AppContract(
    label="anomaly",
    title="Anomaly detection",
    jobs=(
        JobKind(name=TABLE_KIND, handler=worker.table_fit_job, queue=QUEUE_TRAINING, title="Find anomalies in a table"),
        JobKind(
            name=SERIES_KIND, handler=worker.series_fit_job, queue=QUEUE_TRAINING, title="Find anomalies in a series"
        ),
        JobKind(
            name=TABLE_SCORE_KIND,
            handler=worker.table_score_job,
            validator=params.table_score_params_validate,
            queue=QUEUE_INTERACTIVE,
            title="Score new rows of a table",
        ),
        JobKind(
            name=IMAGE_SCORE_KIND,
            handler=worker.image_score_job,
            validator=params.image_score_params_validate,
            queue=QUEUE_INTERACTIVE,
            title="Score an image against a normal class",
        ),
    ),
    trainings=(
        Training(
            name=TRAINING,
            handler=training.anomaly_train_job,
            validator=params.training_params_validate,
            title="Train one-class image models or the seq2seq autoencoder on a shipped series",
        ),
    ),
    models=(ModelKind(name=ANOMALY_KIND, training=TRAINING, slots=SLOTS, title="Anomaly detector"),),
    home_card=selectors.home_card,
    demo_seed=demo.demo_seed,
)
