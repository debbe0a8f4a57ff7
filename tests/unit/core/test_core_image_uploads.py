"""Core's shared upload checks (used by the denoise and representations uploads): bytes, SVG, opening."""

from __future__ import annotations

import warnings

import pytest
from PIL import Image

from apps.core.errors import InvalidInput
from apps.core.image_uploads import undecodable, upload_bytes_check, upload_opened
from tests.integration.denoise import files


def message(call) -> str:
    with pytest.raises(InvalidInput) as caught:
        call()
    assert list(caught.value.errors) == ["image"]
    return caught.value.errors["image"][0]


def opened(data: bytes):
    return upload_opened(
        data,
        formats=("PNG",),
        bomb=lambda exc: f"bomb: {type(exc).__name__}",
        unidentified=lambda: "unidentified",
        damaged_header="damaged",
    )


def test_bytes_checks():
    check = upload_bytes_check
    assert message(lambda: check(b"", max_bytes=10, accepted=("PNG",))) == "the file is empty (0 bytes)"
    big = b"x" * (3 * 2**20)
    assert message(lambda: check(big, max_bytes=2**21, accepted=("PNG",))) == (
        "the file is 3,145,728 bytes; the limit is 2,097,152 bytes"
    )
    assert message(lambda: check(big, max_bytes=2**21, accepted=("PNG",), megabytes=True)).endswith("bytes (2 MB)")
    for svg in (files.SVG, b"  <svg/>", b"<!DOCTYPE svg>" + b" " * 2000, b"<html>" + b"<svg/>"):
        assert message(lambda svg=svg: check(svg, max_bytes=10**6, accepted=("PNG", "GIF"))) == (
            "SVG (vector) images are not supported; upload PNG, GIF"
        )
    check(files.png(), max_bytes=10**6, accepted=("PNG",))  # nothing to say


def test_opening_refusals_and_the_bomb_as_an_error():
    assert message(lambda: opened(b"not an image").__enter__()) == "unidentified"
    assert message(lambda: opened(files.jpeg()).__enter__()) == "unidentified"  # not among the formats
    assert message(lambda: opened(files.png()[:20]).__enter__()).startswith("damaged: ")
    before = Image.MAX_IMAGE_PIXELS
    try:
        Image.MAX_IMAGE_PIXELS = 1000  # 2000 pixels: Pillow only warns (its error is at twice the limit)
        assert message(lambda: opened(files.png_bomb(50, 40)).__enter__()) == "bomb: DecompressionBombWarning"
    finally:
        Image.MAX_IMAGE_PIXELS = before
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning leaks out of a good file
        with opened(files.png((30, 20))) as im:
            assert im.size == (30, 20) and im.format == "PNG"
    assert im.fp is None  # closed on leaving the block


def test_undecodable_names_the_cause():
    error = undecodable(OSError("image file is truncated"))
    cause = "the image is truncated or damaged and cannot be decoded: image file is truncated"
    assert error.errors == {"image": [cause]}
