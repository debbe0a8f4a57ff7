"""Reader for IDX files (the MNIST family's format), gzipped or plain, with strict checks.

Layout: a 4-byte magic (two zero bytes, a type code, the number of dimensions), one big-endian
uint32 per dimension, then the data in C order. Only unsigned bytes (type 0x08) occur in the
image and label files, so only that type is read.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"
TYPE_UBYTE = 0x08


class IdxFormatError(ValueError):
    """The file is not a well-formed IDX file (bad gzip, wrong magic, truncated, wrong shape)."""


def idx_bytes_read(path: str | Path) -> bytes:
    """The file's IDX bytes, gunzipped when the file is gzip (judged by content, not name)."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] != GZIP_MAGIC:
        if path.suffix == ".gz":
            raise IdxFormatError(f"{path}: not a gzip file (starts with {raw[:4].hex() or 'nothing'})")
        return raw
    try:
        return gzip.decompress(raw)
    # A truncated gzip stream raises EOFError; a damaged one BadGzipFile or zlib.error.
    except (EOFError, OSError, zlib.error) as exc:
        raise IdxFormatError(f"{path}: damaged or truncated gzip data ({exc})") from None


def idx_parse(data: bytes, *, source: str = "<bytes>") -> np.ndarray:
    """The array held in IDX bytes; every inconsistency is an IdxFormatError naming `source`."""
    if len(data) < 4:
        raise IdxFormatError(f"{source}: {len(data)} bytes, too short for an IDX header")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or ndim == 0:
        raise IdxFormatError(f"{source}: wrong magic number 0x{data[:4].hex()} (expected 0x0000 type ndim)")
    if dtype != TYPE_UBYTE:
        raise IdxFormatError(f"{source}: element type 0x{dtype:02x} is not unsigned byte (0x08)")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxFormatError(f"{source}: truncated header ({len(data)} of {header} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "has trailing bytes"
        raise IdxFormatError(f"{source}: {what}: {len(data)} bytes, header {shape} needs {expected}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape).copy()


def idx_read(path: str | Path, *, ndim: int | None = None) -> np.ndarray:
    """Read one IDX(.gz) file; `ndim` (3 for images, 1 for labels) is checked when given."""
    array = idx_parse(idx_bytes_read(path), source=str(path))
    if ndim is not None and array.ndim != ndim:
        raise IdxFormatError(f"{path}: {array.ndim} dimensions {array.shape}, expected {ndim}")
    return array


def idx_images_read(path: str | Path) -> np.ndarray:
    """Images as uint8 N×rows×cols."""
    return idx_read(path, ndim=3)


def idx_labels_read(path: str | Path) -> np.ndarray:
    """Labels as uint8 N."""
    return idx_read(path, ndim=1)


def idx_encode(array: np.ndarray) -> bytes:
    """IDX bytes for a uint8 array (for fixtures and caches; the inverse of idx_parse)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    return struct.pack(f">HBB{array.ndim}I", 0, TYPE_UBYTE, array.ndim, *array.shape) + array.tobytes()
