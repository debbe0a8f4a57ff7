"""Checks an uploaded image in the web process before anything is stored or queued (no torch).

Policy (README "Denoising"):
- accepted: PNG, JPEG, WebP, BMP, TIFF and GIF, one frame only. Animated GIF/WebP/PNG and
  multi-page TIFF are refused: a denoiser of one frame would silently drop the rest.
- TIFF and GIF are stored and answered as PNG: browsers do not show TIFF, and GIF's palette
  cannot hold a denoised image. The other formats come back in their own format.
- 16-bit images are scaled to 8 bits and CMYK converted to RGB (said in `converted`); the
  result is 8-bit. Alpha is kept. EXIF orientation is applied to the stored input.
- refused with a 400 naming the problem: empty, over the byte limit, over the pixel limit
  (read from the header, before any pixel is decoded), a side under MIN_SIDE pixels (1×1 or
  1,000,000×1: nothing the denoiser can work on), not an image, SVG or another format,
  truncated or otherwise undecodable.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps

from apps.core.image_uploads import DECODE_ERRORS, undecodable, upload_bytes_check, upload_opened, upload_refusal
from apps.core.ml.photos import image_array

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")
STORED_AS = {"TIFF": "PNG", "GIF": "PNG"}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "BMP": "bmp", "TIFF": "tif", "GIF": "gif"}
# Modes image_array turns into 8-bit gray, RGB or RGBA.
KNOWN_MODES = {"1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr",
               "I;16", "I;16B", "I;16L", "I;16N", "I", "F"}  # fmt: skip
SIXTEEN_BIT = {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}
EXIF_ORIENTATION = 0x0112
# Both sides at least this: the denoiser's smallest alignment (2**levels, at most 16) and its metrics'
# windows fit, and a strip one pixel high is refused at the door instead of failing in the worker.
MIN_SIDE = 16


@dataclass
class CheckedImage:
    content: bytes  # what to store: the upload itself, or re-encoded when it had to change
    format: str  # the upload's format
    stored_format: str  # the stored input's (and the result's) format
    mode: str
    width: int
    height: int
    converted: list[str] = field(default_factory=list)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.stored_format]


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.1f} megapixels"


def image_upload_check(*, data: bytes, max_bytes: int, max_pixels: int) -> CheckedImage:
    """The upload, checked and ready to store; InvalidInput("image", why) when it is refused."""
    upload_bytes_check(data, max_bytes=max_bytes, accepted=ACCEPTED_FORMATS, megabytes=True)
    with upload_opened(
        data,
        formats=ACCEPTED_FORMATS,
        bomb=lambda exc: f"the image declares more pixels than allowed ({_megapixels(max_pixels)}): {exc}",
        unidentified=lambda: _unsupported_why(data),
        damaged_header="the image cannot be read (damaged or truncated header)",
    ) as im:
        return _checked(im, data, max_pixels)


def _unsupported_why(data: bytes) -> str:
    accepted = ", ".join(ACCEPTED_FORMATS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as other:
                return f"{other.format} images are not supported; upload {accepted}"
    except Exception:
        return f"not an image (or not one that can be read); upload {accepted}"


def _checked(im: Image.Image, data: bytes, max_pixels: int) -> CheckedImage:
    width, height = im.size
    # The header's size, before decoding: a small file may declare a huge image (a decompression bomb).
    if width * height > max_pixels:
        raise upload_refusal(
            f"the image is {width}×{height} ({_megapixels(width * height)}); the limit is {_megapixels(max_pixels)}"
        )
    if width < 1 or height < 1:
        raise upload_refusal(f"the image has no pixels ({width}×{height})")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise upload_refusal(f"the image is {width}×{height}; both sides must be at least {MIN_SIDE} pixels")
    frames = getattr(im, "n_frames", 1)
    if frames > 1:
        raise upload_refusal(
            f"animated or multi-page images are not supported (this {im.format} has {frames} frames); "
            "upload a single frame"
        )
    if im.mode not in KNOWN_MODES:
        raise upload_refusal(f"colour mode {im.mode} is not supported; upload grayscale, RGB or RGBA")
    fmt = im.format
    try:
        im.load()
    except DECODE_ERRORS as exc:
        raise undecodable(exc) from None
    converted = []
    if im.mode in SIXTEEN_BIT:
        converted.append(f"{im.mode} (more than 8 bits) scaled to 8-bit")
    elif im.mode == "CMYK":
        converted.append("CMYK converted to RGB")
    stored = STORED_AS.get(fmt, fmt)
    orientation = im.getexif().get(EXIF_ORIENTATION, 1)
    if stored != fmt or orientation not in (1, None):
        if orientation not in (1, None):
            im = ImageOps.exif_transpose(im)
            converted.append(f"EXIF orientation {orientation} applied")
            width, height = im.size
        if stored != fmt:
            converted.append(f"{fmt} stored as {stored}")
        data = _encode(im, stored)
    return CheckedImage(data, fmt, stored, im.mode, width, height, converted)


def _encode(im: Image.Image, fmt: str) -> bytes:
    """The image as 8-bit `fmt` bytes (high quality where lossy: it is the reference)."""
    out = io.BytesIO()
    arr = image_array(im)
    options = {"quality": 95} if fmt == "JPEG" else {"lossless": True} if fmt == "WEBP" else {}
    Image.fromarray(arr).save(out, format=fmt, **options)
    return out.getvalue()
