"""The segment app's part of `seed_demo`.

The Fashionopolis segmenter: the shipped weights (apps/segment/weights, trained here on generated scenes)
when committed, else a quick time-boxed training job when Fashion-MNIST is on this machine (seed_demo
downloads nothing). No EM model is ever shipped (the ISBI data's licence is not stated): where the slices
are present, `manage.py train segmenter --dataset isbi-em` makes one.
"""

from __future__ import annotations

from apps.core import services as core_services
from apps.core.errors import ApplicationError
from apps.core.ml.image_datasets import dataset_available
from apps.core.selectors import job_active
from apps.segment.selectors import segmenter_active
from apps.segment.slots import SCENES_DATASET, TRAIN_JOB_KIND, TRAINING, train_command

# A couple of minutes on a 2-core CPU: the default U-Net, time-boxed, on fewer generated scenes.
QUICK_CONFIG = {"seconds": 120, "scenes": 1000, "test_scenes": 100}


def demo_seed(*, out, train: bool = True) -> None:
    from apps.segment.shipped import segmenter_weights_register

    active = segmenter_active(SCENES_DATASET)
    if active is not None:
        out.write(f"Segmenter: {active} is active.")
        return
    registered = segmenter_weights_register()
    if registered:
        out.write(f"Segmenter: registered the shipped weights as {', '.join(str(v) for v in registered)}.")
        return
    if not train or job_active(kind=TRAIN_JOB_KIND, dataset=SCENES_DATASET, model="unet") is not None:
        return
    if not dataset_available("fashion-mnist"):
        out.write(
            f"Segmenter: Fashion-MNIST not found here, so the scenes wait for `{train_command(SCENES_DATASET)}` "
            "(it downloads the data)."
        )
        return
    try:
        job = core_services.training_job_start(
            kind=TRAINING, dataset=SCENES_DATASET, model="unet", config=dict(QUICK_CONFIG)
        )
    except ApplicationError as exc:
        out.write(f"Segmenter: the quick training did not start: {exc.message}")
        return
    out.write(f"Segmenter: no shipped weights; started a quick training on generated scenes: /jobs/{job.id}/")
