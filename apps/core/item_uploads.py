"""An image to encode, checked and made into 28×28 grey levels in the web process (no torch, nothing stored).

Shared by the apps that take a clothing item or digit from a visitor (the representations wardrobe, the
anomaly page). Policy (README "Representations"): PNG, JPEG, WebP, BMP, GIF or TIFF; 28×28 is taken as it is,
a bigger image is padded to a square and resized to 28×28 (said in `notes`), a smaller one is
refused (there is nothing to scale it up from). Colour and alpha become grey levels over white;
when the border is light the image is inverted, because Fashion-MNIST's and MNIST's items are
light on a black background (`invert`: "auto", "yes" or "no"). Refused with a 400 naming the
problem: empty, over the byte or pixel limit (read from the header, before decoding), not an
image or an unsupported one, damaged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

from apps.core.errors import InvalidInput
from apps.core.image_uploads import DECODE_ERRORS, undecodable, upload_bytes_check, upload_opened, upload_refusal

SIDE = 28
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF")
INVERT_CHOICES = ("auto", "yes", "no")
WIDE_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}


@dataclass
class UploadedImage:
    pixels: np.ndarray  # 28×28 uint8, light item on black
    width: int
    height: int
    notes: list[str] = field(default_factory=list)


def image_upload_read(*, data: bytes, invert: str = "auto", max_bytes: int, max_pixels: int) -> UploadedImage:
    """The upload as 28×28 grey levels; InvalidInput("image", why) when it cannot be one."""
    if invert not in INVERT_CHOICES:
        raise InvalidInput("invert", f"must be one of {', '.join(INVERT_CHOICES)}")
    upload_bytes_check(data, max_bytes=max_bytes, accepted=ACCEPTED_FORMATS)
    with upload_opened(
        data,
        formats=ACCEPTED_FORMATS,
        bomb=lambda exc: f"the image declares more than {max_pixels:,} pixels",
        unidentified=lambda: "not an image (or not one that can be read); upload " + ", ".join(ACCEPTED_FORMATS),
        damaged_header="the image cannot be read (damaged header)",
    ) as im:
        return _to_pixels(im, invert=invert, max_pixels=max_pixels)


def _to_pixels(im: Image.Image, *, invert: str, max_pixels: int) -> UploadedImage:
    width, height = im.size
    if width * height > max_pixels:  # from the header: nothing is decoded yet
        raise upload_refusal(f"the image is {width}×{height}; the limit is {max_pixels:,} pixels")
    if width < SIDE or height < SIDE:
        raise upload_refusal(
            f"the image is {width}×{height}; both sides must be at least {SIDE} pixels "
            f"(a {SIDE}×{SIDE} image is used as it is, a bigger one is resized)"
        )
    notes = []
    if getattr(im, "n_frames", 1) > 1:
        notes.append(f"the first of its {im.n_frames} frames was used")
    try:
        im.load()
        im = ImageOps.exif_transpose(im)
        grey = _grey(im, notes)
    except DECODE_ERRORS as exc:
        raise undecodable(exc) from None
    pixels = np.asarray(grey, dtype=np.uint8)
    if pixels.shape != (SIDE, SIDE):
        pixels = _square_resized(pixels, notes)
    border = np.concatenate([pixels[0], pixels[-1], pixels[1:-1, 0], pixels[1:-1, -1]])
    light_border = float(border.mean()) > 127.5
    if invert == "yes" or (invert == "auto" and light_border):
        pixels = 255 - pixels
        if invert == "auto":
            notes.append("inverted: its background was light, and the data set's items are light on black")
    return UploadedImage(pixels=np.ascontiguousarray(pixels), width=width, height=height, notes=notes)


def _grey(im: Image.Image, notes: list[str]) -> Image.Image:
    """8-bit grey levels; transparency is laid over white, more than 8 bits scaled down."""
    if im.mode in WIDE_MODES:
        array = np.asarray(im, dtype=np.float64)
        top = float(array.max()) or 1.0
        notes.append(f"{im.mode} (more than 8 bits) scaled to 8-bit grey")
        return Image.fromarray((np.clip(array / top, 0, 1) * 255).round().astype(np.uint8))
    if im.mode in ("P", "PA"):
        im = im.convert("RGBA")
    if im.mode in ("LA", "La", "RGBA", "RGBa"):
        # A canvas's PNG (the wardrobe's drawing pad) has an alpha channel that is opaque everywhere: no note then.
        transparent = im.getchannel("A").getextrema()[0] < 255
        base = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(base, im.convert("RGBA"))
        if transparent:
            notes.append("transparent parts taken as white")
    if im.mode != "L":
        channels = np.asarray(im.convert("RGB"))
        if im.mode != "1" and not (np.ptp(channels, axis=2) == 0).all():  # grey already: nothing worth saying
            notes.append(f"{im.mode} converted to grey levels")
        im = im.convert("L")
    return im


def _square_resized(pixels: np.ndarray, notes: list[str]) -> np.ndarray:
    height, width = pixels.shape
    if height != width:
        side = max(height, width)
        border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
        fill = int(np.median(border))
        square = np.full((side, side), fill, dtype=np.uint8)
        top, left = (side - height) // 2, (side - width) // 2
        square[top : top + height, left : left + width] = pixels
        pixels = square
        notes.append(f"padded from {width}×{height} to a {side}×{side} square")
    resized = Image.fromarray(pixels).resize((SIDE, SIDE), Image.Resampling.LANCZOS)
    notes.append(f"resized from {pixels.shape[1]}×{pixels.shape[0]} to {SIDE}×{SIDE}")
    return np.asarray(resized, dtype=np.uint8)
