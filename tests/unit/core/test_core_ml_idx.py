import gzip
import struct

import numpy as np
import pytest

from apps.core.ml.idx import IdxFormatError, idx_encode, idx_images_read, idx_labels_read, idx_parse, idx_read


def _images(count: int = 5, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(count, 28, 28), dtype=np.uint8)


def _write_gz(path, payload: bytes):
    path.write_bytes(gzip.compress(payload))
    return path


def test_encode_header_is_the_documented_layout():
    data = idx_encode(np.zeros((3, 2, 4), np.uint8))
    assert data[:4] == b"\x00\x00\x08\x03"
    assert struct.unpack(">III", data[4:16]) == (3, 2, 4)
    assert len(data) == 16 + 3 * 2 * 4


def test_good_gzip_and_plain_files_round_trip(tmp_path):
    images = _images()
    labels = np.array([0, 9, 3, 3, 7], np.uint8)
    got = idx_images_read(_write_gz(tmp_path / "img-idx3-ubyte.gz", idx_encode(images)))
    assert got.dtype == np.uint8 and got.shape == (5, 28, 28)
    np.testing.assert_array_equal(got, images)
    plain = tmp_path / "lab-idx1-ubyte"
    plain.write_bytes(idx_encode(labels))
    np.testing.assert_array_equal(idx_labels_read(plain), labels)


def test_result_is_writable_copy(tmp_path):
    got = idx_read(_write_gz(tmp_path / "a.gz", idx_encode(_images(2))))
    got[0, 0, 0] = 1  # np.frombuffer alone would be read-only
    assert got.flags.writeable


def test_truncated_gzip_stream(tmp_path):
    blob = gzip.compress(idx_encode(_images()))
    path = tmp_path / "cut.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(IdxFormatError, match="truncated|damaged"):
        idx_images_read(path)


def test_truncated_data_inside_a_good_gzip(tmp_path):
    data = idx_encode(_images(4))
    path = _write_gz(tmp_path / "short.gz", data[:-100])
    with pytest.raises(IdxFormatError, match="truncated"):
        idx_images_read(path)


def test_trailing_bytes_are_refused(tmp_path):
    path = _write_gz(tmp_path / "long.gz", idx_encode(_images(2)) + b"\x00\x01")
    with pytest.raises(IdxFormatError, match="trailing"):
        idx_images_read(path)


@pytest.mark.parametrize(
    "header",
    [b"\x00\x01\x08\x03", b"\x12\x34\x08\x03", b"\x00\x00\x08\x00"],
    ids=["nonzero-second-byte", "nonzero-first-bytes", "zero-dimensions"],
)
def test_wrong_magic(tmp_path, header):
    body = idx_encode(_images(2))[4:]
    path = _write_gz(tmp_path / "magic.gz", header + body)
    with pytest.raises(IdxFormatError, match="magic"):
        idx_images_read(path)


def test_non_ubyte_element_type(tmp_path):
    path = _write_gz(tmp_path / "float.gz", b"\x00\x00\x0d\x01" + struct.pack(">I", 2) + b"\x00" * 8)
    with pytest.raises(IdxFormatError, match="unsigned byte"):
        idx_read(path)


def test_bad_gzip_payload(tmp_path):
    path = tmp_path / "garbage.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(200)))
    with pytest.raises(IdxFormatError, match="gzip"):
        idx_images_read(path)


def test_corrupt_deflate_data_fails_crc(tmp_path):
    blob = bytearray(gzip.compress(idx_encode(_images(20))))
    middle = len(blob) // 2
    blob[middle] ^= 0xFF
    path = tmp_path / "flipped.gz"
    path.write_bytes(bytes(blob))
    with pytest.raises(IdxFormatError):
        idx_images_read(path)


def test_gz_name_without_gzip_content(tmp_path):
    path = tmp_path / "not-really.gz"
    path.write_bytes(idx_encode(_images(1)))
    with pytest.raises(IdxFormatError, match="not a gzip"):
        idx_images_read(path)


def test_dimension_count_is_checked(tmp_path):
    path = _write_gz(tmp_path / "labels.gz", idx_encode(np.arange(10, dtype=np.uint8)))
    with pytest.raises(IdxFormatError, match="expected 3"):
        idx_images_read(path)
    assert idx_labels_read(path).shape == (10,)


def test_header_shorter_than_its_dimensions():
    with pytest.raises(IdxFormatError, match="header"):
        idx_parse(b"\x00\x00\x08\x03" + struct.pack(">I", 5))
    with pytest.raises(IdxFormatError, match="too short"):
        idx_parse(b"\x00\x00")


def test_error_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "named-file.gz"
    path.write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(ValueError, match="named-file.gz"):
        idx_read(path)
