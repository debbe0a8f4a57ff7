"""Images on disk for the workers of the image apps (denoise, inpaint, segment): NumPy and Pillow, no torch.

Inputs were checked on upload (apps.core.image_upload_check) and stored with their orientation applied;
results are written under a temporary name and renamed, so a retried job never leaves half a file.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image

from apps.core.media_requests import media_path
from apps.core.ml.files import atomic_write
from apps.core.ml.photos import image_array


def image_load(path: Path) -> np.ndarray:
    """A stored input as uint8 H×W, H×W×3 or H×W×4."""
    # Checked on upload against AEWEB_UPLOAD_MAX_PIXELS; Pillow's own guard is raised to that limit
    # where it is lower, never switched off (it is process-wide: web code in the same process needs it).
    Image.MAX_IMAGE_PIXELS = max(Image.MAX_IMAGE_PIXELS or 0, settings.AEWEB_UPLOAD_MAX_PIXELS)
    with Image.open(path) as im:
        im.load()
        return image_array(im)


def _encoded(image: np.ndarray, fmt: str) -> bytes:
    data = io.BytesIO()
    options = {"quality": 95} if fmt == "JPEG" else {"lossless": True} if fmt == "WEBP" else {}
    Image.fromarray(image).save(data, format=fmt, **options)
    return data.getvalue()


def png_bytes(image: np.ndarray) -> bytes:
    return _encoded(image, "PNG")


def image_save(relpath: str, image: np.ndarray, fmt: str = "PNG") -> str:
    """Write `image` in `fmt` (PNG when that fails) atomically under MEDIA_ROOT; returns the relative path written."""
    try:
        data = _encoded(image, fmt)
    except (OSError, ValueError, KeyError):
        data, relpath = png_bytes(image), str(Path(relpath).with_suffix(".png"))
    atomic_write(media_path(relpath), data)
    return relpath
