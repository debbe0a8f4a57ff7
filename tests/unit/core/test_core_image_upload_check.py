"""The upload checks on crafted files (made here with Pillow and bytes)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from apps.core.errors import InvalidInput
from apps.core.image_upload_check import image_upload_check
from tests.integration.denoise import files

LIMITS = {"max_bytes": 10 * 2**20, "max_pixels": 16_000_000}


def check(data: bytes, **limits):
    return image_upload_check(data=data, **{**LIMITS, **limits})


def refusal(data: bytes, **limits) -> str:
    with pytest.raises(InvalidInput) as caught:
        check(data, **limits)
    return caught.value.errors["image"][0]


@pytest.mark.parametrize("name", list(files.bad_inputs()))
def test_bad_files_are_refused_naming_the_problem(name):
    data, word = files.bad_inputs()[name]
    assert word.lower() in refusal(data).lower()


def test_limits_are_checked_before_decoding():
    assert "limit" in refusal(files.png((64, 64)), max_bytes=1000)
    assert "64×64" in refusal(files.png((64, 64)), max_pixels=4000)
    # 20 000 × 1 000 declared in a few dozen bytes: refused from the header, under Pillow's own limit
    assert "20000×1000" in refusal(files.png_bomb(20_000, 1_000))


@pytest.mark.parametrize(
    "data, mode, stored, converted",
    [
        (files.png(mode="L"), "L", "PNG", ""),
        (files.png(mode="RGBA"), "RGBA", "PNG", ""),
        (files.jpeg(), "RGB", "JPEG", ""),
        (files.png16(), "I;16", "PNG", "8-bit"),
        (files.cmyk_jpeg(), "CMYK", "JPEG", "CMYK converted"),
        (files.encoded(files.noise_image(), "TIFF"), "RGB", "PNG", "TIFF stored as PNG"),
        (files.encoded(files.noise_image().convert("P"), "GIF"), "P", "PNG", "GIF stored as PNG"),
        (files.encoded(files.noise_image(), "WEBP", lossless=True), "RGB", "WEBP", ""),
        (files.encoded(files.noise_image(), "BMP"), "RGB", "BMP", ""),
    ],
)
def test_accepted_files_and_their_conversions(data, mode, stored, converted):
    checked = check(data)
    assert (checked.mode, checked.stored_format) == (mode, stored)
    assert converted in "; ".join(checked.converted)
    assert Image.open(io.BytesIO(checked.content)).format == stored
    if stored == checked.format and not checked.converted:
        assert checked.content == data  # stored exactly as uploaded


def test_exif_orientation_is_applied_to_the_stored_input():
    checked = check(files.jpeg_rotated())
    assert (checked.width, checked.height) == (48, 64)
    assert Image.open(io.BytesIO(checked.content)).size == (48, 64)
    assert "orientation 6" in checked.converted[0]
