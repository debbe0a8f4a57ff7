"""An image to encode: refusals naming the problem (through core's shared upload checks) and the conversion
to 28×28 grey levels, light on black."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from apps.core.errors import InvalidInput
from apps.core.item_uploads import image_upload_read
from tests.integration.denoise import files

LIMITS = {"max_bytes": 1_000_000, "max_pixels": 1_000_000}


def read(data: bytes, **options):
    return image_upload_read(data=data, **{**LIMITS, **options})


def refusal(data: bytes, **options) -> str:
    with pytest.raises(InvalidInput) as caught:
        read(data, **options)
    assert list(caught.value.errors) == ["image"]
    return caught.value.errors["image"][0]


def encoded(pixels: np.ndarray, fmt: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        (b"", {}, "the file is empty (0 bytes)"),
        (b"x" * 2000, {"max_bytes": 1000}, "the file is 2,000 bytes; the limit is 1,000 bytes"),
        (files.SVG, {}, "SVG (vector) images are not supported; upload PNG, JPEG, WEBP, BMP, GIF, TIFF"),
        (b"<!DOCTYPE svg PUBLIC>" + b" " * 2000 + b"<svg/>", {}, "SVG (vector) images are not supported"),
        (b"hello, not an image\n" * 4, {}, "not an image (or not one that can be read); upload PNG"),
        (files.ppm(), {}, "not an image"),  # PPM is not among the accepted formats
        # Pillow's own bomb check, or ours from the header when Pillow's is off (the denoise worker turns it
        # off process-wide): refused either way, naming the limit.
        (files.png_bomb(), {}, "1,000,000 pixels"),
        (files.png_bomb(2_000, 1_000), {}, "the image is 2000×1000; the limit is 1,000,000 pixels"),
        (files.png((64, 64))[:20], {}, "the image cannot be read (damaged header)"),
        (encoded(np.random.default_rng(0).integers(0, 256, (60, 60), np.uint8))[:300], {}, "truncated or damaged"),
        (encoded(np.zeros((20, 40), np.uint8)), {}, "the image is 40×20; both sides must be at least 28 pixels"),
    ],
)
def test_refusals_name_the_problem(data, options, message):
    assert message in refusal(data, **options)


def test_a_bad_invert_choice_names_its_field():
    with pytest.raises(InvalidInput) as caught:
        read(encoded(np.zeros((28, 28), np.uint8)), invert="maybe")
    assert list(caught.value.errors) == ["invert"]


def test_a_28x28_dark_image_is_taken_as_it_is():
    pixels = np.random.default_rng(1).integers(0, 100, (28, 28), np.uint8)
    pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1] = 0, 0, 0, 0
    upload = read(encoded(pixels))
    assert np.array_equal(upload.pixels, pixels) and upload.notes == [] and (upload.width, upload.height) == (28, 28)


@pytest.mark.parametrize(("invert", "inverted"), [("auto", True), ("yes", True), ("no", False)])
def test_light_backgrounds_are_inverted_unless_told_not_to(invert, inverted):
    pixels = np.full((28, 28), 250, np.uint8)
    pixels[10:18, 10:18] = 10
    upload = read(encoded(pixels), invert=invert)
    assert np.array_equal(upload.pixels, 255 - pixels if inverted else pixels)
    assert any("inverted" in note for note in upload.notes) == (invert == "auto")


def test_a_dark_background_is_inverted_only_when_asked():
    pixels = np.zeros((28, 28), np.uint8)
    assert np.array_equal(read(encoded(pixels), invert="auto").pixels, pixels)
    assert np.array_equal(read(encoded(pixels), invert="yes").pixels, 255 - pixels)


def test_colour_transparency_and_size_are_converted_with_notes():
    rgba = np.zeros((56, 84, 4), np.uint8)  # transparent everywhere but an opaque black block
    rgba[20:36, 30:54] = (0, 0, 0, 255)
    upload = read(encoded(rgba))
    notes = " ".join(upload.notes)
    assert "transparent parts taken as white" in notes and "padded from 84×56 to a 84×84 square" in notes
    assert "resized from 84×84 to 28×28" in notes and "inverted" in notes
    assert upload.pixels.shape == (28, 28) and upload.pixels[14, 14] > 200 and upload.pixels[1, 1] < 30


def test_sixteen_bit_and_animated_images_are_read_with_notes():
    assert "scaled to 8-bit grey" in " ".join(read(files.png16()).notes)
    assert "the first of its 3 frames was used" in read(files.animated_gif()).notes
