"""The mask of a request, checked in the web process before anything is stored or queued (NumPy and Pillow).

A mask comes as a PNG (painted in the page, or made anywhere else: white or any bright opaque pixel
= fill, black or transparent = keep) or as a kind the server draws (centre, boxes, pixels, freeform)
with a coverage and a seed. Either way it must have the image's size, and be neither empty nor full.
Every refusal is InvalidInput naming the field ("mask" or "coverage"), a 400.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from apps.core.errors import InvalidInput
from apps.core.image_uploads import DECODE_ERRORS, upload_opened
from apps.core.ml.photos import image_array
from apps.inpaint.slots import COVERAGE_MAX, MASK_KINDS

FIELD = "mask"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(FIELD, message)


def coverage_check(coverage) -> float | None:
    """None (the kind's default) or a share in (0, COVERAGE_MAX]."""
    if coverage is None:
        return None
    if isinstance(coverage, bool) or not isinstance(coverage, int | float) or not np.isfinite(coverage):
        raise InvalidInput("coverage", f"must be a number in (0, {COVERAGE_MAX:g}]")
    if not 0 < float(coverage) <= COVERAGE_MAX:
        raise InvalidInput("coverage", f"must be in (0, {COVERAGE_MAX:g}], not {coverage:g}")
    return float(coverage)


def mask_generate(*, kind: str, height: int, width: int, coverage: float | None, seed: int) -> np.ndarray:
    """A drawn mask (bool H×W, True = fill) of `kind`, checked like a painted one."""
    from apps.inpaint.ml.masks import mask_make, mask_problem

    if kind not in MASK_KINDS:
        raise _refuse(f"must be a PNG file or one of {', '.join(MASK_KINDS)}, not {kind!r}")
    coverage = coverage_check(coverage)
    mask = mask_make(kind, height, width, coverage=coverage, seed=seed)
    problem = mask_problem(mask, height, width)
    if problem:
        raise _refuse(f"the {kind} mask drawn for this {width}×{height} image cannot be used: {problem}")
    return mask


def mask_png_read(data: bytes, *, height: int, width: int, max_bytes: int, max_pixels: int) -> np.ndarray:
    """The mask PNG decoded (bool H×W, True = fill), or InvalidInput("mask", why).

    PNG only, checked from its signature before Pillow looks at it; the same byte and pixel limits as
    the image (a small file declaring a huge size is refused before any pixel is decoded)."""
    from apps.inpaint.ml.masks import mask_from_image, mask_problem

    if not data:
        raise _refuse("the mask file is empty (0 bytes)")
    if len(data) > max_bytes:
        raise _refuse(f"the mask file is {len(data):,} bytes; the limit is {max_bytes:,} bytes")
    if not data.startswith(PNG_SIGNATURE):
        raise _refuse("the mask must be a PNG image (white or opaque = fill, black or transparent = keep)")
    try:
        with upload_opened(
            data,
            formats=["PNG"],
            bomb=lambda exc: f"the mask declares more pixels than allowed: {exc}",
            unidentified=lambda: "the mask is not a readable PNG image",
            damaged_header="the mask cannot be read (damaged or truncated header)",
        ) as im:
            if im.width * im.height > max_pixels:
                raise _refuse(f"the mask is {im.width}×{im.height}, more pixels than allowed ({max_pixels:,})")
            if (im.width, im.height) != (width, height):
                raise _refuse(f"the mask is {im.width}×{im.height} but the image is {width}×{height}")
            if getattr(im, "n_frames", 1) > 1:
                raise _refuse("the mask must be a single-frame PNG, not an animated one")
            try:
                im.load()
            except DECODE_ERRORS as exc:
                raise _refuse(f"the mask is truncated or damaged and cannot be decoded: {exc}") from None
            array = image_array(im)
    except InvalidInput as exc:
        if FIELD in exc.errors:
            raise
        raise _refuse(next(iter(exc.errors.values()))[0]) from None  # upload_opened names "image"
    mask = mask_from_image(array)
    problem = mask_problem(mask, height, width)
    if problem:
        raise _refuse(problem)
    return mask


def mask_png(mask: np.ndarray) -> bytes:
    """The stored form of a mask: an 8-bit grey PNG, 255 where the image is to be filled."""
    out = io.BytesIO()
    Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), "L").save(out, format="PNG")
    return out.getvalue()


def mask_overlay_png(mask: np.ndarray) -> bytes:
    """A mask for the editor's canvas: white and opaque where to fill, transparent elsewhere (grey + alpha PNG)."""
    out = io.BytesIO()
    alpha = np.where(mask, 255, 0).astype(np.uint8)
    Image.fromarray(np.stack([np.full_like(alpha, 255), alpha], axis=-1), "LA").save(out, format="PNG")
    return out.getvalue()
