"""The checks every uploaded image goes through before its pixels are decoded (Pillow only: no torch, no NumPy).

The apps that take images (denoise, representations) each have their own policy — which formats,
what a refusal says, what happens to the pixels — but share the dangerous part: refusing an empty
or oversized file and SVG before Pillow sees it, opening with decompression bombs as errors (not
warnings), and naming what went wrong. Every refusal is InvalidInput("image", why), a 400.

    upload_bytes_check(data, max_bytes=..., accepted=FORMATS)
    with upload_opened(data, formats=FORMATS, bomb=..., unidentified=..., damaged_header=...) as im:
        ...  # the header is read, nothing decoded: check im.size against the pixel limit first
        try:
            im.load()
        except DECODE_ERRORS as exc:
            raise undecodable(exc) from None
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from PIL import Image, UnidentifiedImageError

from apps.core.errors import InvalidInput

FIELD = "image"
SNIFF_BYTES = 1024  # how much of the file the SVG check reads
# What Pillow raises while decoding a damaged or truncated file (the bomb error: a frame larger than its header).
DECODE_ERRORS = (OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def upload_refusal(message: str) -> InvalidInput:
    return InvalidInput(FIELD, message)


def undecodable(exc: BaseException) -> InvalidInput:
    """The refusal of a file whose header reads but whose pixels do not (truncated, damaged)."""
    return upload_refusal(f"the image is truncated or damaged and cannot be decoded: {exc}")


def upload_bytes_check(data: bytes, *, max_bytes: int, accepted: Sequence[str], megabytes: bool = False) -> None:
    """Refuse an empty file, one over `max_bytes` (also said in MB with `megabytes`) and SVG, from the bytes alone.

    SVG is sniffed from the first KiB: Pillow does not read it, and saying "SVG is not supported" beats
    "not an image" for a file that is one."""
    size = len(data)
    if size == 0:
        raise upload_refusal("the file is empty (0 bytes)")
    if size > max_bytes:
        in_mb = f" ({max_bytes / 2**20:.0f} MB)" if megabytes else ""
        raise upload_refusal(f"the file is {size:,} bytes; the limit is {max_bytes:,} bytes{in_mb}")
    head = data[:SNIFF_BYTES].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        raise upload_refusal("SVG (vector) images are not supported; upload " + ", ".join(accepted))


@contextmanager
def upload_opened(
    data: bytes,
    *,
    formats: Sequence[str],
    bomb: Callable[[BaseException], str],
    unidentified: Callable[[], str],
    damaged_header: str,
) -> Iterator[Image.Image]:
    """The upload opened by Pillow (header only) as one of `formats`, closed on exit; refusals name the problem.

    Pillow's DecompressionBombWarning is an error for the whole block, so a header declaring too many
    pixels is refused (`bomb(exc)`) before any is decoded, in the block's decoding too. `unidentified()`
    says why a file no reader of `formats` takes was refused; a header that breaks a reader is
    "`damaged_header`: the error"."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=list(formats))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise upload_refusal(bomb(exc)) from None
        except UnidentifiedImageError:
            raise upload_refusal(unidentified()) from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise upload_refusal(f"{damaged_header}: {exc}") from None
        with im:
            yield im
