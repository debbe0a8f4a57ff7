"""Reads for the inpaint app: which model fills which image, one request, the home card."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.core.errors import NotFound
from apps.core.models import ModelVersion
from apps.core.selectors import job_active, model_version_active
from apps.core.wording import count_noun
from apps.inpaint.models import InpaintRequest
from apps.inpaint.slots import INPAINTER_KIND, INPAINTER_SLOT, ITEM_DATASET, ITEM_SIZE, PHOTO_DATASET, TRAIN_JOB_KIND

GREY_MODES = frozenset({"L", "1", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


def image_is_item(*, width: int, height: int, mode: str) -> bool:
    """A 28×28 grey image is a Fashion-MNIST-like item: the items model was trained on exactly those."""
    return width == ITEM_SIZE and height == ITEM_SIZE and mode in GREY_MODES


def inpainter_dataset(*, width: int, height: int, mode: str) -> str:
    return ITEM_DATASET if image_is_item(width=width, height=height, mode=mode) else PHOTO_DATASET


def inpainter_active(dataset: str) -> ModelVersion | None:
    return model_version_active(kind=INPAINTER_KIND, dataset=dataset, slot=INPAINTER_SLOT)


def inpainter_for(*, width: int, height: int, mode: str) -> ModelVersion | None:
    """The active inpainter for this image: the fashion-mnist items model for a 28×28 grey image, else the
    train400 photo model; None when that one has no active version."""
    return inpainter_active(inpainter_dataset(width=width, height=height, mode=mode))


def train_command(dataset: str) -> str:
    return f"manage.py train inpainter --dataset {dataset}"


def inpaint_request_get(*, request_id) -> InpaintRequest:
    found = InpaintRequest.objects.select_related("job", "model_version").filter(id=request_id).first()
    if found is None or found.expires_at <= timezone.now():
        raise NotFound("No such inpainting request (results are deleted after the retention time).")
    return found


def home_card() -> dict:
    from django.urls import reverse

    return {
        "title": "Inpainting",
        "url": reverse("inpaint:index"),
        "description": "Paint over part of a photo or a Fashion-MNIST item and have an encoder–decoder fill it in, "
        "beside OpenCV, biharmonic and PCA baselines, with PSNR/SSIM over the image and over the hole.",
        "lines": home_card_lines(),
    }


# The figure the home card shows per data set (the training's metric keys): the protocols.
HEADLINE = {ITEM_DATASET: ("centre_psnr", "centre 14×14"), PHOTO_DATASET: ("set12_cov25_psnr", "Set12, 25 % free-form")}


def model_line(version: ModelVersion, what: str) -> str:
    line = f"{what}: {version.name} v{version.version} trained on {version.dataset}"
    key, label = HEADLINE.get(version.dataset, ("", ""))
    value = (version.metrics or {}).get(key)
    if isinstance(value, int | float):
        line += f"; {label}: {value:.2f} dB PSNR"
    return line


def home_card_lines() -> list[str]:
    lines = []
    for dataset, what in ((ITEM_DATASET, "28×28 items"), (PHOTO_DATASET, "photos")):
        version = inpainter_active(dataset)
        if version is None:
            lines.append(f"No model for {what} yet: run `{train_command(dataset)}` or `seed_demo`.")
        else:
            lines.append(model_line(version, what.capitalize()))
    training = job_active(kind=TRAIN_JOB_KIND)
    if training is not None:
        lines.append(f"Training ({training.params.get('dataset', '')}): {training.status}, {training.progress:.0%}")
    recent = InpaintRequest.objects.filter(created_at__gte=timezone.now() - timedelta(days=1)).count()
    lines.append(f"{count_noun(recent, 'image')} filled in the last 24 hours")
    return lines
