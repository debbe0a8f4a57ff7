"""Representation versions for tests, made with NumPy: a PCA fitted on the real test images, written in
the serving format the trainer exports (ml/serving.py), with its embedding and samples files.

Registered with `model_version_create` like a trained version, so the API and the pages load them
through the same cache and checks; seconds to make, no torch.
"""

from __future__ import annotations

import io
import json

import numpy as np

from apps.core import services as core_services
from apps.core.artifacts import artifact_write
from apps.core.ml.image_datasets import dataset_load
from apps.core.models import ModelVersion
from apps.representations.ml.serving import SERVING_FORMAT, SERVING_VERSION

FIT_COUNT = 2000  # test images the fixture PCA is fitted on


def test_split(dataset: str = "fashion-mnist") -> tuple[np.ndarray, np.ndarray]:
    return dataset_load(dataset, "test", download=False, progress=False)


test_split.__test__ = False  # a helper: pytest would collect it as a test in every module that imports it


def pca_fit(images: np.ndarray, code: int) -> tuple[np.ndarray, np.ndarray]:
    """(components code×784, mean 784) of the flat pixels in [0, 1]."""
    x = images[:FIT_COUNT].reshape(min(FIT_COUNT, len(images)), -1).astype(np.float64) / 255.0
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    return vt[:code].astype(np.float32), mean.astype(np.float32)


def serving_arrays(
    components: np.ndarray, mean: np.ndarray, *, model: str, encoder: bool = True, codes: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """A linear encoder x ↦ C(x − m) and decoder z ↦ Cᵀz + m in the serving file's layout."""
    code = components.shape[0]
    arrays = {
        "dec0_weight": np.ascontiguousarray(components.T),
        "dec0_bias": mean,
    }
    encoder_layers = None
    if encoder:
        arrays["enc0_weight"] = components
        arrays["enc0_bias"] = (-(components @ mean)).astype(np.float32)
        encoder_layers = [{"op": "flatten"}, {"op": "linear", "weight": "enc0_weight", "bias": "enc0_bias"}]
    meta = {
        "format": SERVING_FORMAT,
        "version": SERVING_VERSION,
        "model": model,
        "dataset": "fashion-mnist",
        "code_size": code,
        "image_shape": [28, 28],
        "encoder": encoder_layers,
        "decoder": [{"op": "linear", "weight": "dec0_weight", "bias": "dec0_bias"}],
    }
    arrays["meta"] = np.array(json.dumps(meta))
    if codes is not None:
        arrays["code_low"] = codes.min(axis=0).astype(np.float32)
        arrays["code_high"] = codes.max(axis=0).astype(np.float32)
    return arrays


def _npz_writer(arrays: dict[str, np.ndarray]):
    def write(path) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        path.write_bytes(buffer.getvalue())

    return write


def representation_version(
    slot: str,
    *,
    code: int = 2,
    dataset: str = "fashion-mnist",
    serving: bool = True,
    encoder: bool = True,
    embedding: bool | None = None,
    samples: dict[str, np.ndarray] | None = None,
    metrics: dict | None = None,
    activate: bool = True,
    points: int | None = None,
) -> ModelVersion:
    """A registered representation version of `slot` (named like it) over a PCA of the test images.

    `embedding` defaults to code == 2; `points` limits the embedding to the first N test images."""
    images, labels = test_split(dataset)
    components, mean = pca_fit(images, code)
    codes = ((images.reshape(len(images), -1).astype(np.float32) / 255.0) - mean) @ components.T
    key = f"{slot}-{code}-{np.random.default_rng().integers(1 << 30)}"
    artifacts = {}
    if serving:
        arrays = serving_arrays(components, mean, model=slot, encoder=encoder, codes=codes if encoder else None)
        artifacts["serving"] = artifact_write(f"representation/test/{key}/serving.npz", _npz_writer(arrays))
    if embedding if embedding is not None else code == 2:
        n = points or len(images)
        emb = {"points": codes[:n, :2].astype(np.float32), "labels": labels[:n], "indices": np.arange(n)}
        artifacts["embedding"] = artifact_write(f"representation/test/{key}/embedding.npz", _npz_writer(emb))
    if samples:
        artifacts["samples"] = artifact_write(f"representation/test/{key}/samples.npz", _npz_writer(samples))
    return core_services.model_version_create(
        kind="representation",
        dataset=dataset,
        slot=slot,
        name=slot,
        config={"code": code, "model": slot, "dataset": dataset},
        metrics=metrics or {},
        artifacts=artifacts,
        card="test fixture: a PCA of the test images",
        activate=activate,
    )


def sample_images(count: int = 64, dataset: str = "fashion-mnist") -> np.ndarray:
    return test_split(dataset)[0][:count]
