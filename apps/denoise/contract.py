"""The denoise app's contract with the platform: `train denoiser` (the photo U-Net and the 28×28 demo
autoencoder), one job per uploaded image, and the 28×28 demo job."""

from __future__ import annotations

from apps.core.queues import QUEUE_INTERACTIVE
from apps.core.registry import AppContract, JobKind, LegacyKind, ModelKind, Training
from apps.denoise import dae_demo, demo, params, selectors, training, training_config, worker
from apps.denoise.ml.config import DAE_DATASETS

APP = AppContract(
    label="denoise",
    title="Denoising",
    jobs=(
        JobKind(
            name=selectors.IMAGE_KIND,
            handler=worker.denoise_image_job,
            queue=QUEUE_INTERACTIVE,
            title="Denoise an image",
        ),
        JobKind(
            name=selectors.DEMO_KIND,
            handler=dae_demo.dae_demo_job,
            validator=params.demo_params_validate,
            queue=QUEUE_INTERACTIVE,
            title="Denoise noisy 28×28 test images",
        ),
    ),
    trainings=(
        Training(
            name="denoiser",
            handler=training.denoiser_train_job,
            validator=training_config.training_params_validate,
            title="Train the denoiser",
            # `train vae --model dae` trained the demo autoencoder when it was the gallery's: it comes here.
            replaces=(("vae", "dae"),),
        ),
    ),
    models=(
        ModelKind(
            name=selectors.DENOISER_KIND,
            training="denoiser",
            # One active version per data set: the photo U-Net's (train400, samples) and the 28×28
            # demo autoencoder's (fashion-mnist, mnist) never share a pointer.
            slots=(selectors.DENOISER_SLOT,),
            title="Denoising autoencoder",
            # The demo autoencoder was the gallery's kind `vae-dae` (on its data sets only).
            legacy_kinds=(LegacyKind("vae-dae", selectors.DENOISER_SLOT, datasets=DAE_DATASETS),),
        ),
    ),
    home_card=selectors.home_card,
    demo_seed=demo.demo_seed,
)
