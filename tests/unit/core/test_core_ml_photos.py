import warnings

import numpy as np
import pytest
from PIL import Image

from apps.core.ml.photos import ImageSkippedWarning, dataset_load, image_read, images_load


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (20, 30), dtype=np.uint8)).save(tmp_path / "a_gray.png")
    Image.fromarray(rng.integers(0, 256, (16, 12, 3), dtype=np.uint8)).save(tmp_path / "b_rgb.jpg", quality=95)
    Image.fromarray(rng.integers(0, 256, (10, 10, 4), dtype=np.uint8)).save(tmp_path / "c_rgba.png")
    (tmp_path / "notes.txt").write_text("not an image and not an image suffix")
    return tmp_path


def test_reads_good_files_in_name_order(folder):
    images = images_load(folder)
    assert [im.shape for im in images] == [(20, 30), (16, 12, 3), (10, 10, 4)]
    assert all(im.dtype == np.uint8 for im in images)
    gray = images_load(folder, mode="L")
    assert [im.shape for im in gray] == [(20, 30), (16, 12), (10, 10)]
    assert np.array_equal(gray[0], np.asarray(Image.open(folder / "a_gray.png")))


def test_broken_files_are_skipped_with_a_warning(folder):
    (folder / "d_text.png").write_text("hello")
    (folder / "e_empty.jpg").write_bytes(b"")
    good = (folder / "a_gray.png").read_bytes()
    (folder / "f_truncated.png").write_bytes(good[: len(good) // 2])
    skipped: list[str] = []
    with pytest.warns(ImageSkippedWarning) as caught:
        images = images_load(folder, skipped=skipped)
    assert len(images) == 3
    assert skipped == ["d_text.png", "e_empty.jpg", "f_truncated.png"]
    assert len(caught) == 3
    with pytest.raises(ValueError, match="d_text.png"):
        images_load(folder, strict=True)


def test_missing_empty_and_oversized(tmp_path, folder):
    with pytest.raises(FileNotFoundError):
        images_load(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no readable"):
        images_load(empty)
    with pytest.raises(ValueError, match="pixels"):
        image_read(folder / "a_gray.png", max_pixels=100)


def test_palette_and_16_bit_files(tmp_path):
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).convert("P").save(tmp_path / "p.png")
    deep = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000).astype(np.uint16)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    assert image_read(tmp_path / "p.png").shape == (8, 8, 3)
    wide = image_read(tmp_path / "deep.png")
    assert wide.dtype == np.uint8 and wide.max() == round(63000 * 255 / 65535) and wide.min() == 0


def test_dataset_load_uses_data_dir_then_fallback(tmp_path, folder, monkeypatch):
    monkeypatch.setenv("AEWEB_DATA_DIR", str(folder.parent))
    found = dataset_load(folder.name, mode="L")
    assert not found.fallback and found.names == ["a_gray.png", "b_rgb.jpg", "c_rgba.png"]
    monkeypatch.setenv("AEWEB_DATA_DIR", str(tmp_path / "nowhere"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fallback = dataset_load("Train400-not-here", mode="L")
    assert fallback.fallback and "fallback" in fallback.source and fallback.images
    assert all(im.ndim == 2 and im.dtype == np.uint8 for im in fallback.images)
