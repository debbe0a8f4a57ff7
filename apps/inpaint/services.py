"""Writes for the inpaint app: a request (image and mask checked, stored, queued), deleting and purging them."""

from __future__ import annotations

import secrets
import uuid

import numpy as np
from django.conf import settings

from apps.core.errors import Conflict, InvalidInput
from apps.core.image_upload_check import image_upload_check
from apps.core.media_requests import media_expiry, media_request_delete, media_request_store, media_requests_purge
from apps.core.params import SEED_MAX
from apps.core.rate_limits import pixel_budget_take
from apps.inpaint import params, samples, selectors
from apps.inpaint.models import MEDIA_ROOT_FOLDER, InpaintRequest
from apps.inpaint.slots import IMAGE_KIND, MASK_KINDS


def inpaint_request_create(
    *,
    data: bytes | None = None,
    name: str = "",
    sample: str = "",
    mask_data: bytes | None = None,
    mask_kind: str = "",
    coverage: float | None = None,
    seed: int | None = None,
    user=None,
    client: str = "",
) -> InpaintRequest:
    """Check the image (upload bytes or a sample's name) and its mask (a PNG, or a kind drawn here with
    `coverage` and `seed`), store both and queue the fill.

    `client` (apps.core.throttling.client_ident) pays the image's pixels from its hourly budget once
    image and mask are known good; a failure after that gives them back. Every refusal (400 bad input
    naming the field, 409 no model for this image, 429 over the pixel budget, 503 broker down) leaves
    no row, no file and no job behind.
    """
    if (data is None) == (not sample):
        raise InvalidInput("image", "send either an image file or the name of a sample, not both or neither")
    if (mask_data is None) == (not mask_kind):
        raise InvalidInput("mask", f"send a mask PNG or the name of a mask kind ({', '.join(MASK_KINDS)})")
    if mask_kind and mask_kind not in MASK_KINDS:
        raise InvalidInput("mask", f"must be a PNG file or one of {', '.join(MASK_KINDS)}, not {mask_kind!r}")
    coverage = params.coverage_check(coverage) if mask_kind else None
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX):
        raise InvalidInput("seed", f"must be an integer in 0..{SEED_MAX}")
    if sample:
        data, name = _sample_bytes(sample)
    checked = image_upload_check(
        data=data, max_bytes=settings.AEWEB_UPLOAD_MAX_BYTES, max_pixels=settings.AEWEB_UPLOAD_MAX_PIXELS
    )
    width, height = checked.width, checked.height
    if mask_data is not None:
        mask = params.mask_png_read(
            mask_data,
            height=height,
            width=width,
            max_bytes=settings.AEWEB_UPLOAD_MAX_BYTES,
            max_pixels=settings.AEWEB_UPLOAD_MAX_PIXELS,
        )
        kind = InpaintRequest.PAINTED
    else:
        seed = secrets.randbelow(SEED_MAX) if seed is None else seed
        mask = params.mask_generate(kind=mask_kind, height=height, width=width, coverage=coverage, seed=seed)
        kind = mask_kind
    dataset = selectors.inpainter_dataset(width=width, height=height, mode=checked.mode)
    version = selectors.inpainter_active(dataset)
    if version is None:
        what = "28×28 grey items" if dataset != selectors.PHOTO_DATASET else "photos"
        raise Conflict(
            f"No inpainting model for {what} is active yet. Train one (`{selectors.train_command(dataset)}`, "
            "the admin, or `manage.py seed_demo`) and try again.",
            details={"dataset": dataset},
        )
    charge = pixel_budget_take(client=client, width=width, height=height, done="inpainted")
    try:
        return _inpaint_request_store(
            checked=checked,
            mask=mask,
            version=version,
            name=name,
            sample=sample,
            kind=kind,
            coverage=coverage,
            seed=seed if kind != InpaintRequest.PAINTED else None,
            user=user,
        )
    except BaseException:
        charge.refund()
        raise


def _sample_bytes(sample: str) -> tuple[bytes, str]:
    try:
        return samples.sample_bytes(sample)
    except KeyError:
        raise InvalidInput("sample", f"unknown sample {sample!r}: an item-<n> of the page, or a photo") from None
    except samples.SampleUnavailable:
        raise InvalidInput(
            "sample", f"{sample} is a Fashion-MNIST test image, and Fashion-MNIST is not on this machine "
            "(set AEWEB_DATA_DIR); the photo samples work without it",
        ) from None  # fmt: skip


def _inpaint_request_store(
    *, checked, mask: np.ndarray, version, name: str, sample: str, kind: str, coverage, seed, user
) -> InpaintRequest:
    request_id = uuid.uuid4()
    folder = InpaintRequest.folder_of(request_id)
    input_rel, mask_rel = f"{folder}/input.{checked.extension}", f"{folder}/mask.png"

    def create(job) -> InpaintRequest:
        return InpaintRequest.objects.create(
            id=request_id,
            job=job,
            model_version=version,
            input=input_rel,
            mask=mask_rel,
            sample=sample,
            mask_kind=kind,
            mask_coverage=coverage,
            mask_seed=seed,
            coverage=float(mask.mean()),
            expires_at=media_expiry(settings.AEWEB_INPAINT_RETENTION_HOURS),
            **InpaintRequest.image_fields(checked, name),
        )

    # The request's id stays out of the job (its params and result are public): the worker finds the
    # request through its job.
    return media_request_store(
        folder=folder,
        files={input_rel: checked.content, mask_rel: params.mask_png(mask)},
        job_kind=IMAGE_KIND,
        job_params={"size": f"{checked.width}x{checked.height}", "mask": kind},
        create=create,
        user=user,
    )


def inpaint_request_delete(*, request: InpaintRequest) -> None:
    """The row and its folder; the job row stays (it holds no image, only the request's size and mask kind)."""
    media_request_delete(row=request)


def inpaint_requests_purge(*, now=None) -> int:
    """Delete requests past the retention time (rows and files); returns how many.

    Older than AEWEB_INPAINT_RETENTION_HOURS as set now, or past their own expiry; folders no row
    points at (a crash between file and commit) go once they are as old.
    """
    return media_requests_purge(
        model=InpaintRequest, root=MEDIA_ROOT_FOLDER, hours=settings.AEWEB_INPAINT_RETENTION_HOURS, now=now
    )
