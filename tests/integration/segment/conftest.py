"""Segment fixtures: a tiny registered segmenter (no training needed), Fashion-MNIST (skip without it), clean
throttle counters, caches and media folders."""

from __future__ import annotations

import io
import shutil
import uuid
from pathlib import Path

import pytest

TINY = {"base": 4, "depth": 1, "tile": 64}


def tiny_segmenter_register(dataset: str = "fashionopolis", *, activate: bool = True, **metrics):
    """An untrained tiny U-Net registered as training registers one (config with classes and colours).

    Untrained, it labels pixels at random-ish: the plumbing is what is tested here (the ml tests and the
    benchmarks cover the segmentation's quality)."""
    from apps.core.artifacts import artifact_write
    from apps.core.services import model_version_create
    from apps.segment.ml.checkpoint import segmenter_save
    from apps.segment.ml.config import SegmenterConfig
    from apps.segment.ml.models import segmenter_build

    config = SegmenterConfig.from_dict({**TINY, "dataset": dataset})
    checkpoint = artifact_write(
        f"segmenter/{dataset}/test-{uuid.uuid4()}/segmenter.pt",
        lambda path: segmenter_save(path, segmenter_build(config)),
    )
    return model_version_create(
        kind="segmenter",
        dataset=dataset,
        name="unet",
        config={
            **config.to_dict(),
            "classes": list(config.classes),
            "colours": list(config.colours),
            "in_channels": config.in_channels,
        },  # fmt: skip
        metrics=metrics,
        artifacts={"checkpoint": checkpoint},
        activate=activate,
    )


@pytest.fixture
def tiny_segmenter(db):
    return tiny_segmenter_register()


@pytest.fixture
def fashion_dir() -> Path:
    from tests.conftest import DATA_DIR

    folder = DATA_DIR / "fashion-mnist"
    if not (folder / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    return folder


@pytest.fixture
def em_dir() -> Path:
    from apps.segment.ml.isbi import isbi_dir
    from tests.conftest import DATA_DIR

    folder = isbi_dir(DATA_DIR)
    if folder is None:
        pytest.skip("the ISBI 2012 EM slices are not found (set AEWEB_DATA_DIR)")
    return folder


@pytest.fixture(autouse=True)
def segment_fresh(settings):
    """Fresh throttle counters and loaded models, and no request folders left by earlier tests ("nothing
    stored" checks); the data sets where the tests find them."""
    from django.core.cache import cache

    from apps.core.loading import loaded_clear
    from tests.conftest import DATA_DIR

    settings.AEWEB_DATA_DIR = str(DATA_DIR)
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "segment", ignore_errors=True)
    cache.clear()
    loaded_clear()  # versions are numbered afresh in each test database: ids repeat
    yield
    cache.clear()
    loaded_clear()


def media_files() -> list[Path]:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT) / "segment"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def media(url: str) -> Path:
    from django.conf import settings

    assert url.startswith(settings.MEDIA_URL), url
    return Path(settings.MEDIA_ROOT) / url[len(settings.MEDIA_URL) :]


def png_upload(data: bytes, name: str = "photo.png") -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer
