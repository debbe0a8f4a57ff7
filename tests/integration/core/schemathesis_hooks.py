"""Schemathesis hooks for test_core_schema (loaded through SCHEMATHESIS_HOOKS).

`format: binary` is the denoising upload, the API's only file. Schemathesis' own samples for it
are 1×1 files and random bytes, which the upload check refuses by design (a readable image with
both sides at least apps.core.image_upload_check.MIN_SIDE pixels), and OpenAPI cannot say so. Real images
of the accepted formats let positive_data_acceptance test what the schema can promise.
"""

from __future__ import annotations

import io

import numpy as np
import schemathesis
from hypothesis import strategies as st
from PIL import Image


def _image(fmt: str, size: tuple[int, int], mode: str) -> bytes:
    rng = np.random.default_rng(sum(size))
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    pixels = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels[..., 0] if channels == 1 else pixels, mode).save(out, format=fmt)
    return out.getvalue()


IMAGES = [_image("PNG", (32, 24), "RGB"), _image("JPEG", (40, 40), "RGB"), _image("PNG", (16, 64), "L")]

schemathesis.openapi.format("binary", st.sampled_from(IMAGES))
