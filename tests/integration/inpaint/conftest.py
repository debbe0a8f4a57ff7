"""Inpaint fixtures: registered inpainters (a placeholder for the API's checks, a real small one for the
worker), crafted images and masks, fresh media folders, caches and throttles per test."""

from __future__ import annotations

import io
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def inpaint_fresh(settings):
    from django.core.cache import cache

    from apps.core.loading import loaded_clear

    shutil.rmtree(Path(settings.MEDIA_ROOT) / "inpaint", ignore_errors=True)
    cache.clear()  # the upload throttle and the pixel budget count per client
    loaded_clear()  # versions are numbered afresh in each test database: ids repeat
    yield
    cache.clear()
    loaded_clear()


def media_files() -> list[Path]:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT) / "inpaint"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def placeholder_register(dataset: str, *, name: str = "", **metrics):
    """An active inpainter whose artifact is not a checkpoint: enough for the API (it never loads it)."""
    from apps.core.artifacts import artifact_write
    from apps.core.services import model_version_create

    artifact = artifact_write(f"inpainter/{dataset}/test-{uuid.uuid4()}/placeholder.bin",
                              lambda path: path.write_bytes(b"not a model"))  # fmt: skip
    return model_version_create(
        kind="inpainter", dataset=dataset, name=name or ("items" if dataset != "train400" else "gated_unet"),
        config={}, metrics=metrics, artifacts={"checkpoint": artifact}, activate=True,
    )  # fmt: skip


@pytest.fixture
def placeholder_models(db):
    return {dataset: placeholder_register(dataset) for dataset in ("fashion-mnist", "train400")}


@pytest.fixture
def fashion_available():
    from tests.conftest import DATA_DIR

    if not (DATA_DIR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")


def png(array: np.ndarray, mode: str | None = None) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array, mode).save(out, format="PNG")
    return out.getvalue()


def photo_png(width: int = 64, height: int = 48, *, channels: int = 3, seed: int = 0) -> bytes:
    """A smooth colour image (a gradient with a few blobs): something a fill can be measured on."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = [128 + 100 * np.sin(xx / (7 + 3 * c) + yy / (11 + c) + seed) for c in range(channels)]
    return png(np.clip(np.stack(planes, -1) if channels > 1 else planes[0], 0, 255).astype(np.uint8))


def mask_png(width: int, height: int, box: tuple[int, int, int, int] | None = None, *, mode: str = "L") -> bytes:
    """A painted mask: white inside `box` (x0, y0, x1, y1), black elsewhere (or transparent, mode "RGBA")."""
    x0, y0, x1, y1 = box or (width // 4, height // 4, width // 2, height // 2)
    if mode == "RGBA":
        arr = np.zeros((height, width, 4), np.uint8)
        arr[y0:y1, x0:x1] = 255
    else:
        arr = np.zeros((height, width), np.uint8)
        arr[y0:y1, x0:x1] = 255
    return png(arr)


def tiny_inpainter_register(dataset: str):
    """A small untrained inpainter of the data set's model (with the PCA-64 basis for items), registered and
    active as training would register it. Untrained, it fills badly: the plumbing is what is tested here (the
    ml tests and the benchmarks measure the fill)."""
    from apps.core.artifacts import artifact_write
    from apps.core.services import model_version_create
    from apps.inpaint.ml.checkpoint import inpainter_save
    from apps.inpaint.ml.config import InpainterConfig, model_for_dataset
    from apps.inpaint.ml.models import inpainter_build

    config = InpainterConfig(model=model_for_dataset(dataset), width=8)
    pca = None
    if dataset != "train400":  # the items checkpoint carries the PCA-64 basis, as training writes it
        from apps.core.ml.image_datasets import dataset_load
        from apps.inpaint.ml.baselines import pca_fit
        from tests.conftest import DATA_DIR

        images, _ = dataset_load(dataset, "train", data_dir=DATA_DIR, download=False, progress=False)
        pca = pca_fit(images[:2000])
    model = inpainter_build(config)
    checkpoint = artifact_write(
        f"inpainter/{dataset}/test-{uuid.uuid4()}/inpainter.pt", lambda path: inpainter_save(path, model, pca=pca)
    )
    return model_version_create(
        kind="inpainter", dataset=dataset, name=config.model, config=config.to_dict(), metrics={},
        artifacts={"checkpoint": checkpoint}, activate=True,
    )  # fmt: skip


def inpainters_register() -> dict:
    """The shipped weights where apps/inpaint/weights holds them, else small untrained models."""
    from apps.inpaint.selectors import inpainter_active
    from apps.inpaint.shipped import inpainter_weights_register

    inpainter_weights_register(activate=True)
    return {d: inpainter_active(d) or tiny_inpainter_register(d) for d in ("fashion-mnist", "train400")}


@pytest.fixture
def inpainters(db, fashion_available):
    return inpainters_register()
