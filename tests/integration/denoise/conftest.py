"""Denoise fixtures: a tiny registered denoiser and 28×28 demo autoencoder (no training needed),
Fashion-MNIST (skip without it), clean throttle counters and media folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TINY = {"width": 8, "levels": 1, "convs": 1, "patch_size": 16, "val_patch_size": 32}


def tiny_weights_write(folder: Path) -> Path:
    """denoiser.pt + denoiser.json as `denoise_export_weights` writes them, for an untrained tiny net.

    Untrained, the net is the identity (its last layer starts at zero): the plumbing is what is
    tested here, not the denoising quality (the ml tests and the benchmarks cover that).
    """
    from apps.core.artifacts import file_sha256
    from apps.denoise.ml.checkpoint import denoiser_save
    from apps.denoise.ml.config import DenoiserConfig
    from apps.denoise.ml.model import denoiser_build

    config = DenoiserConfig.from_dict(TINY)
    folder.mkdir(parents=True, exist_ok=True)
    path = denoiser_save(folder / "denoiser.pt", denoiser_build(config), config)
    meta = {"name": "unet", "dataset": "samples", "config": config.to_dict(), "overrides": TINY,
            "metrics": {"tiny": 1.0}, "sha256": file_sha256(path)}  # fmt: skip
    (folder / "denoiser.json").write_text(json.dumps(meta))
    return folder


def tiny_dae_register(dataset: str = "fashion-mnist", *, activate: bool = True, **metrics):
    """A 28×28 demo autoencoder with random weights, registered as training would register it.

    Random weights denoise nothing; the plumbing is what is tested (the ml tests cover learning)."""
    import uuid

    from apps.core.artifacts import artifact_write
    from apps.core.services import model_version_create
    from apps.denoise.ml.checkpoint import dae_save
    from apps.denoise.ml.config import DaeConfig
    from apps.denoise.ml.dae import dae_build

    config = DaeConfig(dataset=dataset, width=4)
    checkpoint = artifact_write(
        f"denoiser/{dataset}/test-{uuid.uuid4()}/dae.pt", lambda path: dae_save(path, dae_build(config), config)
    )
    return model_version_create(
        kind="denoiser",
        dataset=dataset,
        name="dae",
        config=config.to_dict(),
        metrics={"test_psnr": 18.25, "test_psnr_noisy": 12.8, **metrics},
        artifacts={"checkpoint": checkpoint},
        activate=activate,
    )


@pytest.fixture
def fashion_dir() -> Path:
    from tests.conftest import DATA_DIR

    folder = DATA_DIR / "fashion-mnist"
    if not (folder / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    return folder


@pytest.fixture
def tiny_dae(db):
    return tiny_dae_register()


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    return tiny_weights_write(tmp_path_factory.mktemp("tiny-denoiser"))


@pytest.fixture
def tiny_denoiser(db, tiny_weights):
    from apps.denoise.services import denoiser_weights_register

    return denoiser_weights_register(folder=tiny_weights)


@pytest.fixture(autouse=True)
def throttle_reset():
    """Fresh throttle counters, and no request folders left by earlier tests ("nothing stored" checks)."""
    import shutil

    from django.conf import settings
    from django.core.cache import cache

    shutil.rmtree(Path(settings.MEDIA_ROOT) / "denoise", ignore_errors=True)
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "denoise-demo", ignore_errors=True)
    cache.clear()
    yield
    cache.clear()


def media_files() -> list[Path]:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT) / "denoise"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
