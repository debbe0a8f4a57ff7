"""The gallery's contract with the platform: `train vae`, the generation jobs, the VAE's three slots."""

from __future__ import annotations

from apps.core.queues import QUEUE_INTERACTIVE
from apps.core.registry import AppContract, JobKind, LegacyKind, ModelKind, Training
from apps.gallery import demo, jobs, params, selectors
from apps.gallery.slots import SLOT_CONDITIONAL, SLOT_DEFAULT, SLOT_LATENT2D, VAE_KIND

APP = AppContract(
    label="gallery",
    title="Image gallery",
    jobs=(
        JobKind(
            name="gallery.generate",
            handler=jobs.gallery_generate_job,
            validator=params.generate_params_validate,
            queue=QUEUE_INTERACTIVE,
            title="Generate gallery images",
        ),
        JobKind(
            name="gallery.interpolate",
            handler=jobs.gallery_interpolate_job,
            validator=params.interpolate_params_validate,
            queue=QUEUE_INTERACTIVE,
            title="Interpolate between two gallery images",
        ),
        JobKind(
            name="gallery.latent_map",
            handler=jobs.gallery_latent_map_job,
            validator=params.latent_map_params_validate,
            queue=QUEUE_INTERACTIVE,
            title="Draw the 2-D latent map",
        ),
        JobKind(
            name="gallery.reconstruct",
            handler=jobs.gallery_reconstruct_job,
            validator=params.reconstruct_params_validate,
            queue=QUEUE_INTERACTIVE,
            title="Reconstruct test images",
        ),
    ),
    trainings=(
        Training(
            name="vae",
            handler=jobs.gallery_train_job,
            validator=params.training_params_validate,
            title="Train a gallery VAE",
        ),
    ),
    models=(
        ModelKind(
            name=VAE_KIND,
            training="vae",
            # Served side by side for one data set: samples and reconstructions, samples of a named
            # class, and the latent map.
            slots=(SLOT_DEFAULT, SLOT_CONDITIONAL, SLOT_LATENT2D),
            title="Variational autoencoder",
            legacy_kinds=(LegacyKind("vae-conditional", SLOT_CONDITIONAL), LegacyKind("vae-latent2d", SLOT_LATENT2D)),
        ),
    ),
    home_card=selectors.home_card,
    demo_seed=demo.demo_seed,
)
