"""The inpaint app's contract with the platform: `train inpainter` (the 28×28 items encoder–decoder and the
photo gated-conv U-Net) and one interactive job per image to fill."""

from __future__ import annotations

from apps.core.queues import QUEUE_INTERACTIVE
from apps.core.registry import AppContract, JobKind, ModelKind, Training
from apps.inpaint import demo, selectors, training, training_config, worker
from apps.inpaint.slots import IMAGE_KIND, INPAINTER_KIND, INPAINTER_SLOT, TRAINING

APP = AppContract(
    label="inpaint",
    title="Inpainting",
    jobs=(JobKind(name=IMAGE_KIND, handler=worker.inpaint_image_job, queue=QUEUE_INTERACTIVE, title="Fill a hole"),),
    trainings=(
        Training(
            name=TRAINING,
            handler=training.inpainter_train_job,
            validator=training_config.training_params_validate,
            title="Train an inpainting encoder–decoder (28×28 items or photos)",
        ),
    ),
    models=(
        ModelKind(
            name=INPAINTER_KIND,
            training=TRAINING,
            # One active version per data set: the items model (fashion-mnist, mnist) and the photo
            # model (train400) never share a pointer.
            slots=(INPAINTER_SLOT,),
            title="Inpainting encoder–decoder",
        ),
    ),
    home_card=selectors.home_card,
    demo_seed=demo.demo_seed,
)
