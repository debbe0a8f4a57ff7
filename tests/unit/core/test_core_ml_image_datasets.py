import dataclasses
import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from apps.core.ml import image_datasets as datasets
from apps.core.ml.idx import IdxFormatError, idx_encode
from apps.core.ml.image_datasets import (
    DatasetNotFoundError,
    dataset_class_names,
    dataset_files,
    dataset_load,
    dataset_search_dirs,
    file_sha256,
    label_parse,
)

REAL_DATA = Path(os.environ.get("AEWEB_DATA_DIR") or Path(__file__).resolve().parents[4] / "shared" / "data")
FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")  # fmt: skip


def _fake_set(folder: Path, count: int, fill: int) -> Path:
    """All four files of a tiny data set whose images are all `fill` (to tell folders apart)."""
    folder.mkdir(parents=True, exist_ok=True)
    images = np.full((count, 28, 28), fill, np.uint8)
    labels = (np.arange(count) % 10).astype(np.uint8)
    for name in FILES:
        folder.joinpath(name).write_bytes(gzip.compress(idx_encode(images if "images" in name else labels), mtime=0))
    return folder


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv("AEWEB_DATA_DIR", raising=False)
    monkeypatch.delenv("AEWEB_CACHE_DIR", raising=False)


def _spec_patch(monkeypatch, name: str, **changes):
    monkeypatch.setitem(datasets.DATASETS, name, dataclasses.replace(datasets.DATASETS[name], **changes))


def test_data_dir_comes_before_cache_and_system(tmp_path, monkeypatch):
    _fake_set(tmp_path / "data" / "fashion-mnist", 3, fill=1)
    _fake_set(tmp_path / "cache" / "fashion-mnist", 4, fill=2)
    _fake_set(tmp_path / "system", 5, fill=3)
    _spec_patch(monkeypatch, "fashion-mnist", system_dirs=(str(tmp_path / "system"),))
    kwargs = {"cache_dir": tmp_path / "cache", "download": False}
    images, labels = dataset_load("fashion-mnist", "train", data_dir=tmp_path / "data", **kwargs)
    assert images.shape == (3, 28, 28) and int(images.max()) == 1
    images, _ = dataset_load("fashion-mnist", "test", data_dir=tmp_path / "nowhere", **kwargs)
    assert int(images.max()) == 2 and len(images) == 4
    images, _ = dataset_load("fashion-mnist", "test", data_dir=tmp_path / "nowhere", cache_dir=tmp_path / "c2",
                             download=False)  # fmt: skip
    assert int(images.max()) == 3 and len(images) == 5


def test_environment_variables_name_the_folders(tmp_path, monkeypatch):
    _fake_set(tmp_path / "env-data" / "mnist", 2, fill=7)
    _fake_set(tmp_path / "env-cache" / "mnist", 6, fill=8)
    monkeypatch.setenv("AEWEB_CACHE_DIR", str(tmp_path / "env-cache"))
    assert dataset_search_dirs("mnist")[0] == tmp_path / "env-cache" / "mnist"
    assert int(dataset_load("mnist", "test", download=False)[0].max()) == 8
    monkeypatch.setenv("AEWEB_DATA_DIR", str(tmp_path / "env-data"))
    assert dataset_search_dirs("mnist")[:2] == [tmp_path / "env-data" / "mnist", tmp_path / "env-cache" / "mnist"]
    assert int(dataset_load("mnist", "test", download=False)[0].max()) == 7


def test_default_cache_is_under_the_repository(monkeypatch):
    dirs = dataset_search_dirs("fashion-mnist")
    assert dirs[0] == datasets.REPO_ROOT / "var" / "data" / "fashion-mnist"
    assert dirs[-1] == Path("/usr/share/datasets/fashion-mnist")


def test_missing_without_download_names_the_places(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="AEWEB_DATA_DIR") as info:
        dataset_files("mnist", "train", data_dir=tmp_path / "d", cache_dir=tmp_path / "c", download=False)
    assert str(tmp_path / "c" / "mnist") in str(info.value)


def test_download_verifies_checksums_and_tries_mirrors(tmp_path, monkeypatch):
    mirror = _fake_set(tmp_path / "mirror", 3, fill=5)
    sums = {name: file_sha256(mirror / name) for name in FILES}
    broken = tmp_path / "broken-mirror"
    _spec_patch(monkeypatch, "mnist", urls=(broken.as_uri() + "/", mirror.as_uri() + "/"), sha256=sums)
    images, labels = dataset_load("mnist", "test", data_dir=tmp_path / "none", cache_dir=tmp_path / "cache",
                                  progress=False)  # fmt: skip
    assert int(images.max()) == 5 and labels.tolist() == [0, 1, 2]
    cached = sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir())
    assert cached == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]  # only the split asked for


def test_download_with_wrong_checksum_leaves_nothing(tmp_path, monkeypatch):
    mirror = _fake_set(tmp_path / "mirror", 3, fill=5)
    sums = {name: hashlib.sha256(b"something else").hexdigest() for name in FILES}
    _spec_patch(monkeypatch, "mnist", urls=(mirror.as_uri() + "/",), sha256=sums)
    with pytest.raises(DatasetNotFoundError, match="sha256"):
        dataset_load("mnist", "train", data_dir=tmp_path / "none", cache_dir=tmp_path / "cache", progress=False)
    assert not any((tmp_path / "cache" / "mnist").iterdir())


def test_image_and_label_counts_must_agree(tmp_path):
    folder = _fake_set(tmp_path / "d" / "mnist", 3, fill=1)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_encode(np.zeros(2, np.uint8))))
    with pytest.raises(IdxFormatError, match="3 images but 2 labels"):
        dataset_load("mnist", "test", data_dir=tmp_path / "d", download=False)


def test_labels_must_be_classes(tmp_path):
    folder = _fake_set(tmp_path / "d" / "mnist", 3, fill=1)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_encode(np.array([0, 10, 1], np.uint8))))
    with pytest.raises(IdxFormatError, match="label 10"):
        dataset_load("mnist", "test", data_dir=tmp_path / "d", download=False)


def test_unknown_names_and_splits():
    with pytest.raises(ValueError, match="unknown image data set"):
        dataset_load("cifar", "train")
    with pytest.raises(ValueError, match="split"):
        dataset_files("mnist", "validation")


def test_every_data_set_names_all_four_files_and_a_mirror():
    for spec in datasets.DATASETS.values():
        assert sorted(spec.sha256) == sorted(FILES)
        assert all(len(d) == 64 and int(d, 16) >= 0 for d in spec.sha256.values())
        assert spec.urls and all(u.startswith(("https://", "http://")) and u.endswith("/") for u in spec.urls)


def test_class_names():
    fashion = dataset_class_names("fashion-mnist")
    assert len(fashion) == 10 and fashion[7] == "Sneaker" and fashion[9] == "Ankle boot"
    assert dataset_class_names("mnist")[7] == "seven"


@pytest.mark.parametrize(
    ("name", "label", "index"),
    [
        ("fashion-mnist", "sneakers", 7), ("fashion-mnist", "Sneaker", 7), ("fashion-mnist", "7", 7),
        ("fashion-mnist", 7, 7), ("fashion-mnist", np.uint8(3), 3), ("fashion-mnist", "ankle boots", 9),
        ("fashion-mnist", "T-shirt", 0), ("fashion-mnist", "t-shirt/top", 0), ("fashion-mnist", "dresses", 3),
        ("fashion-mnist", " Bags ", 8), ("mnist", "7", 7), ("mnist", "seven", 7), ("mnist", "Sevens", 7),
        ("mnist", 0, 0), ("mnist", "0", 0), ("fashion-mnist", " 9 ", 9), ("fashion-mnist", "SNEAKER", 7),
    ],
)  # fmt: skip
def test_label_parse(name, label, index):
    assert label_parse(name, label) == index


# "-1" read as class 1 once (punctuation is dropped from names): an index is written as plain digits.
@pytest.mark.parametrize("label", ["spaceship", 10, -1, "11", True, "", "-1", "+1", "07", "1-", "#3", "1.0"])
def test_label_parse_refuses(label):
    with pytest.raises(ValueError, match="label"):
        label_parse("fashion-mnist", label)


# --- the real files (skipped where AEWEB_DATA_DIR has none) -----------------------------------


def _real(name: str) -> Path:
    folder = REAL_DATA / name
    if not all((folder / f).is_file() for f in FILES):
        pytest.skip(f"{name} not found under {REAL_DATA} (set AEWEB_DATA_DIR)")
    return folder


@pytest.mark.parametrize("name", ["fashion-mnist", "mnist"])
def test_real_files_match_the_recorded_checksums(name):
    folder = _real(name)
    for file_name, digest in datasets.DATASETS[name].sha256.items():
        assert file_sha256(folder / file_name) == digest, file_name


@pytest.mark.parametrize(("name", "mean"), [("fashion-mnist", 0.2868), ("mnist", 0.1325)])
def test_real_test_split_reads(name, mean):
    _real(name)
    images, labels = dataset_load(name, "test", data_dir=REAL_DATA, download=False)
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10_000,) and labels.dtype == np.uint8
    assert set(np.unique(labels).tolist()) == set(range(10))
    assert abs(images.mean() / 255 - mean) < 5e-4  # the mean recorded in SOURCE.md


def test_real_fashion_train_split_is_balanced():
    _real("fashion-mnist")
    images, labels = dataset_load("fashion-mnist", "train", data_dir=REAL_DATA, download=False)
    assert images.shape == (60_000, 28, 28)
    assert np.bincount(labels).tolist() == [6000] * 10
