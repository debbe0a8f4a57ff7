"""Fashion-MNIST and MNIST for every app: where their files are, how to fetch them, their class names.

Lookup order (DESIGN.md "Data"): `AEWEB_DATA_DIR/<name>/`, the project's cache folder
(`<repo>/var/data/<name>/`, or `AEWEB_CACHE_DIR/<name>/`), well-known system folders
(Debian's `dataset-fashion-mnist` package), then a download into the cache folder from the
data set's public addresses, checked against the sha256 of the original files. NumPy only:
the web process uses the class names and label parsing.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from apps.core.ml.files import atomic_write, file_sha256
from apps.core.ml.idx import IdxFormatError, idx_images_read, idx_labels_read

REPO_ROOT = Path(__file__).resolve().parents[3]
SPLITS = ("train", "test")
FILE_STEMS = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title: str
    class_names: tuple[str, ...]
    # Mirrors tried in order; each serves the four files under their original names.
    urls: tuple[str, ...]
    sha256: dict[str, str]  # original .gz file name -> sha256 (from shared/data/<name>/SOURCE.md)
    system_dirs: tuple[str, ...] = ()
    # Extra spellings people type for a class ("sneakers", "tshirt"); canonical forms come from class_names.
    aliases: dict[str, int] | None = None


FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    title="Fashion-MNIST",
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),  # fmt: skip
    urls=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    sha256={
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    aliases={"tshirt": 0, "t-shirt": 0, "tee": 0, "top": 0, "trousers": 1, "pants": 1, "jumper": 2, "sweater": 2,
             "ankleboot": 9, "boot": 9, "shoe": 7, "trainer": 7, "handbag": 8},  # fmt: skip
)

MNIST = DatasetSpec(
    name="mnist",
    title="MNIST",
    class_names=("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    urls=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    sha256={
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
)

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (FASHION_MNIST, MNIST)}


class DatasetNotFoundError(FileNotFoundError):
    """No folder holds the files and the download failed or was not allowed."""


class ChecksumError(ValueError):
    """A downloaded file's sha256 is not the original's."""


def dataset_spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown image data set {name!r}; known: {', '.join(DATASETS)}") from None


def dataset_class_names(name: str) -> list[str]:
    """Class names in label order (index = label)."""
    return list(dataset_spec(name).class_names)


def _label_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def label_parse(name: str, label: int | str) -> int:
    """A class index from an index, a digit string or a class name ("sneakers", "7", "Ankle boot")."""
    spec = dataset_spec(name)
    count = len(spec.class_names)
    if isinstance(label, bool):
        raise ValueError(f"label: {label!r} is not a class of {spec.title}")
    if isinstance(label, int | np.integer):
        index = int(label)
    else:
        text = str(label).strip()
        key = _label_key(text)
        if key.isdigit() and not re.fullmatch(r"0|[1-9][0-9]*", text):
            # _label_key drops punctuation, so "-1" would read as 1: an index is written as plain digits.
            raise ValueError(f"label: {label!r} is not a class index: write one as digits, 0..{count - 1}")
        table = {_label_key(n): i for i, n in enumerate(spec.class_names)}
        table.update({_label_key(a): i for a, i in (spec.aliases or {}).items()})
        # Plurals: "sneakers", "dresses" name the same class as the singular.
        candidates = [key, key[:-1] if key.endswith("s") else "", key[:-2] if key.endswith("es") else ""]
        found = next((table[c] for c in candidates if c and c in table), None)
        if found is None and key.isdigit():
            found = int(key)
        if found is None:
            raise ValueError(f"label: {label!r} is not a class of {spec.title} ({', '.join(spec.class_names)})")
        index = found
    if not 0 <= index < count:
        raise ValueError(f"label: {label!r} is out of range 0..{count - 1} for {spec.title}")
    return index


def cache_dir_default() -> Path:
    """The project's own download cache: AEWEB_CACHE_DIR, else <repo>/var/data."""
    env = os.environ.get("AEWEB_CACHE_DIR")
    return Path(env) if env else REPO_ROOT / "var" / "data"


def _file_names(split: str) -> tuple[str, str]:
    if split not in SPLITS:
        raise ValueError(f"split: {split!r} is not one of {', '.join(SPLITS)}")
    return FILE_STEMS[(split, "images")] + ".gz", FILE_STEMS[(split, "labels")] + ".gz"


def dataset_search_dirs(
    name: str, *, data_dir: str | Path | None = None, cache_dir: str | Path | None = None
) -> list[Path]:
    """The folders searched for `name`, in lookup order (download target is the cache folder)."""
    spec = dataset_spec(name)
    dirs: list[Path] = []
    data_root = data_dir if data_dir is not None else os.environ.get("AEWEB_DATA_DIR")
    if data_root:
        dirs.append(Path(data_root) / name)
    dirs.append(Path(cache_dir if cache_dir is not None else cache_dir_default()) / name)
    dirs.extend(Path(d) for d in spec.system_dirs)
    return dirs


def file_download(url: str, target: Path, sha256: str, *, progress: bool = True, timeout: float = 60.0) -> Path:
    """Fetch `url` to `target` through a temporary file, verifying sha256 before the rename."""

    def fetch(tmp: Path) -> None:
        digest = hashlib.sha256()
        with open(tmp, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            from tqdm import tqdm  # only downloads need it

            with tqdm(total=total, unit="B", unit_scale=True, desc=target.name, disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
        # Raised inside the writer, so atomic_write removes the file instead of renaming it.
        if digest.hexdigest() != sha256:
            raise ChecksumError(f"{url}: sha256 {digest.hexdigest()} is not the expected {sha256}")

    return atomic_write(target, fetch)


def dataset_download(
    name: str,
    *,
    cache_dir: str | Path | None = None,
    files: Sequence[str] | None = None,
    urls: Sequence[str] | None = None,
    progress: bool = True,
) -> Path:
    """Download the data set's files into the cache folder, trying each mirror in turn."""
    spec = dataset_spec(name)
    folder = Path(cache_dir if cache_dir is not None else cache_dir_default()) / name
    errors: list[str] = []
    for file_name in files or list(spec.sha256):
        target = folder / file_name
        if target.exists() and file_sha256(target) == spec.sha256[file_name]:
            continue
        for base in urls or spec.urls:
            try:
                file_download(base.rstrip("/") + "/" + file_name, target, spec.sha256[file_name], progress=progress)
                break
            except (OSError, ChecksumError) as exc:  # URLError is an OSError
                errors.append(f"{base}{file_name}: {exc}")
        else:
            raise DatasetNotFoundError(f"could not download {file_name} of {spec.title}: " + "; ".join(errors))
    return folder


def dataset_files(
    name: str,
    split: str,
    *,
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    download: bool = True,
    progress: bool = True,
) -> tuple[Path, Path]:
    """Paths of the split's (images, labels) files, downloading them when no folder has them."""
    wanted = _file_names(split)
    searched = dataset_search_dirs(name, data_dir=data_dir, cache_dir=cache_dir)
    for folder in searched:
        if all((folder / f).is_file() for f in wanted):
            return folder / wanted[0], folder / wanted[1]
    if not download:
        places = ", ".join(str(d) for d in searched)
        raise DatasetNotFoundError(
            f"{dataset_spec(name).title} {split} files not found in {places}; set AEWEB_DATA_DIR or allow a download"
        )
    folder = dataset_download(name, cache_dir=cache_dir, files=wanted, progress=progress)
    return folder / wanted[0], folder / wanted[1]


def dataset_available(name: str) -> bool:
    """Whether both splits are on this machine already (nothing is downloaded to find out)."""
    try:
        for split in SPLITS:
            dataset_files(name, split, download=False)
    except DatasetNotFoundError:
        return False
    return True


def dataset_load(
    name: str,
    split: str,
    *,
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    download: bool = True,
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 N×28×28, labels uint8 N) of one split of "fashion-mnist" or "mnist"."""
    spec = dataset_spec(name)
    image_path, label_path = dataset_files(
        name, split, data_dir=data_dir, cache_dir=cache_dir, download=download, progress=progress
    )
    images = idx_images_read(image_path)
    labels = idx_labels_read(label_path)
    if images.shape[0] != labels.shape[0]:
        raise IdxFormatError(f"{image_path}: {images.shape[0]} images but {labels.shape[0]} labels in {label_path}")
    if labels.size and int(labels.max()) >= len(spec.class_names):
        raise IdxFormatError(f"{label_path}: label {int(labels.max())} outside 0..{len(spec.class_names) - 1}")
    return images, labels
