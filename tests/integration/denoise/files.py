"""Crafted image files for the upload checks: made here with Pillow and bytes, never committed."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def noise_image(size=(64, 48), mode="RGB", seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    arr = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(arr[..., 0] if channels == 1 else arr, mode)


def png(size=(64, 48), mode="RGB") -> bytes:
    return encoded(noise_image(size, mode), "PNG")


def jpeg(size=(64, 48)) -> bytes:
    return encoded(noise_image(size, "RGB"), "JPEG", quality=90)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A few dozen bytes that declare a width×height 8-bit gray PNG (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'


def animated_gif() -> bytes:
    frames = [noise_image((32, 32), "RGB", seed=i).convert("P") for i in range(3)]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def png16() -> bytes:
    arr = (np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 20).astype(np.uint16)
    return encoded(Image.fromarray(arr), "PNG")  # uint16 opens as mode I;16


def cmyk_jpeg() -> bytes:
    return encoded(Image.new("CMYK", (40, 30), (10, 200, 30, 0)), "JPEG")


def jpeg_rotated() -> bytes:
    """A 64×48 JPEG whose EXIF says "rotate 90° clockwise to show" (orientation 6)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encoded(noise_image((64, 48)), "JPEG", exif=exif.tobytes())


def ppm() -> bytes:
    return encoded(noise_image((16, 16)), "PPM")


def bad_inputs() -> dict[str, tuple[bytes, str]]:
    """name → (file bytes, a word the 400's message must contain)."""
    return {
        "zero-byte": (b"", "empty"),
        "text": (b"hello, this is not an image\n" * 4, "not an image"),
        "svg": (SVG, "SVG"),
        "ppm": (ppm(), "not supported"),
        "truncated-png": (png((256, 256))[:9000], "truncated"),
        "truncated-jpeg": (jpeg((256, 256))[:6000], "truncated"),
        "bomb": (png_bomb(), "pixels"),
        "animated-gif": (animated_gif(), "animated"),
    }
