"""The segment app's contract with the platform: `train segmenter` (U-Net or SegNet on Fashionopolis scenes or
the ISBI EM slices), one interactive job per image to segment, the home card and the demo seed."""

from __future__ import annotations

from apps.core.queues import QUEUE_INTERACTIVE
from apps.core.registry import AppContract, JobKind, ModelKind, Training
from apps.segment import demo, selectors, training, training_config, worker
from apps.segment.slots import IMAGE_KIND, SEGMENTER_KIND, SEGMENTER_SLOT, TRAINING

APP = AppContract(
    label="segment",
    title="Segmentation",
    jobs=(
        JobKind(
            name=IMAGE_KIND,
            handler=worker.segment_image_job,
            queue=QUEUE_INTERACTIVE,
            title="Segment an image",
        ),
    ),
    trainings=(
        Training(
            name=TRAINING,
            handler=training.segmenter_train_job,
            validator=training_config.training_params_validate,
            title="Train the segmenter (U-Net or SegNet)",
        ),
    ),
    models=(
        ModelKind(
            name=SEGMENTER_KIND,
            training=TRAINING,
            # One active version per data set (fashionopolis, isbi-em); the architecture is the version's name.
            slots=(SEGMENTER_SLOT,),
            title="Segmentation encoder-decoder",
        ),
    ),
    home_card=selectors.home_card,
    demo_seed=demo.demo_seed,
)
