"""The worker side of `train representation`: train (or fit) one model, evaluate it, write its files, register it.

Job params: {"dataset", "model" (one of MODELS + BASELINES), "config": the model's settings
(RepresentationConfig) and the job options below}. The contract imports this module in every
process, so torch is imported inside the functions only.

Artifacts (each only where it applies):
- "checkpoint": torch weights through REPRESENTATION_CHECKPOINT (not t-SNE/UMAP);
- "serving": the npz that `ml.serving.RepresentationServing.load` reads (AE types and PCA with
  encoder and decoder; the GAN with its generator only);
- "embedding": npz with `points` float32 N×2, `labels` int64 N, `indices` int64 N of the test images
  (2-D codes and the baselines' maps);
- "samples": npz with `samples` uint8 64×28×28 (vae, gan) and, for sparse, `filters` uint8 units×28×28
  (the first layer's weights) and `activations` float32 units (each code unit's mean over the test images,
  the wardrobe's histogram).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from django.conf import settings

from apps.core.ml.files import npz_write
from apps.core.ml.image_datasets import dataset_load
from apps.core.training import TrainingRun
from apps.representations.slots import REPRESENTATION_KIND, TRAINING

# Job options (not model settings): train_count (first N training images), test_count (first N test
# images for the figures and maps), probe (run the probes: true by default, they cost time), draws
# (label draws of the probes, 5 by default).
OPTIONS = ("train_count", "test_count", "probe", "draws")
SAMPLE_GRID = 64
CLASSIFIER_EPOCHS, CLASSIFIER_SECONDS = 3, 90.0
_classifiers: dict[tuple[str, str], Any] = {}  # (data set, device) -> the feature classifier, once per process


def _data_dir() -> str | None:
    return settings.AEWEB_DATA_DIR or None


def representation_maps_warm() -> float:
    """Compile UMAP's numba code now (worker start), not in the first UMAP job; returns the seconds taken."""
    from apps.representations.ml.baselines import maps_warm

    return maps_warm()


def classifier_for(dataset: str, images: np.ndarray, labels: np.ndarray, device: str):
    """The small classifier whose features score samples, trained once per process and data set."""
    from apps.core.ml.image_classifier import classifier_train

    key = (dataset, str(device))
    if key not in _classifiers:
        _classifiers[key], _ = classifier_train(
            images, labels, epochs=CLASSIFIER_EPOCHS, max_seconds=CLASSIFIER_SECONDS, device=device, verbose=False
        )
    return _classifiers[key]


def _describe(entry: dict) -> str:
    parts = [f"epoch {entry['epoch']}/{entry['epochs']}: loss {entry['loss']:.3f}"]
    if "recon" in entry:
        parts.append(f"recon {entry['recon']:.2f}")
    if "d_loss" in entry:
        parts.append(f"D loss {entry['d_loss']:.3f}")
    if "kl" in entry:
        parts.append(f"KL {entry['kl']:.2f}")
    return ", ".join(parts)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def filters_image(weight: np.ndarray, side: tuple[int, int] = (28, 28)) -> np.ndarray:
    """First-layer weights (units×pixels) as uint8 units×H×W, each filter stretched to 0..255."""
    w = np.asarray(weight, np.float64).reshape(weight.shape[0], *side)
    low = w.min(axis=(1, 2), keepdims=True)
    span = w.max(axis=(1, 2), keepdims=True) - low
    return np.rint(255.0 * (w - low) / np.where(span > 0, span, 1.0)).astype(np.uint8)


def _card(config, metrics: dict) -> str:
    model, dataset = config.model, config.dataset
    parts = [f"{model} ({'2-D map' if model in ('tsne', 'umap') else f'code {config.code}'}) on {dataset}"]
    if "epochs_run" in metrics and model not in ("pca", "tsne", "umap"):
        parts.append(f"{metrics.get('train_images', 0):,} training images, {metrics['epochs_run']} epochs")
    if "test_recon_error" in metrics:
        parts.append(f"test squared error {metrics['test_recon_error']:.2f} (PCA {metrics['pca_recon_error']:.2f})")
    if "probe_acc_all" in metrics:
        parts.append(f"linear probe {metrics['probe_acc_all']:.3f}, 5-NN {metrics['knn_acc_all']:.3f}")
    if "map_knn_acc" in metrics:
        parts.append(f"map 5-NN {metrics['map_knn_acc']:.3f}, trustworthiness {metrics['map_trustworthiness']:.3f}")
    if "frechet" in metrics:
        parts.append(f"Fréchet {metrics['frechet']:.2f}, precision {metrics['precision']:.2f}, "
                     f"recall {metrics['recall']:.2f}")  # fmt: skip
    return "; ".join(parts)


def representation_train_job(job, reporter) -> dict:
    import torch

    from apps.representations.ml.checkpoint import representation_save
    from apps.representations.ml.config import GENERATIVE, MAPS_ONLY, RepresentationConfig
    from apps.representations.ml.estimators import AutoencoderRepresentation
    from apps.representations.ml.evaluate import representation_evaluate, to_uint8
    from apps.representations.ml.export import serving_arrays
    from apps.representations.ml.serving import serving_write
    from apps.representations.ml.train import representation_train

    run = TrainingRun(job, reporter, training=TRAINING, options=OPTIONS)
    train_count, test_count = run.options["train_count"], run.options["test_count"]
    probe = run.options["probe"] is not False
    draws = run.options["draws"] or 5
    config = RepresentationConfig.from_dict(
        {**run.settings, "dataset": run.dataset, "model": run.model, "train_count": train_count}
    )

    run.progress(0.01, f"Loading {run.dataset}")
    train_images, train_labels = dataset_load(run.dataset, "train", data_dir=_data_dir())
    if train_count:
        train_images, train_labels = train_images[:train_count], train_labels[:train_count]
    test_images, test_labels = dataset_load(run.dataset, "test", data_dir=_data_dir())
    if test_count:
        test_images, test_labels = test_images[:test_count], test_labels[:test_count]

    is_map = config.model in MAPS_ONLY
    verb = "Mapping the test images with" if is_map else "Training"
    run.progress(0.02, f"{verb} {config.model}")
    on_epoch = run.epoch_reporter(0.02, 0.6, _describe)
    fit_images, fit_labels = (test_images, test_labels) if is_map else (train_images, train_labels)
    # A map is fitted on the test images it shows: train_count (the first N training images, cut above)
    # must not cut them too, or the map has fewer points than the labels it is scored and saved with.
    fit_config = dataclasses.replace(config, train_count=None) if is_map else config
    result = representation_train(fit_images, fit_labels, fit_config, device=run.device, on_epoch=on_epoch)
    if config.is_baseline:
        estimator, model = result.extra["estimator"], None
        if config.model == "pca":
            model = result.model_build("cpu")
    else:
        estimator = AutoencoderRepresentation.from_result(result, run.device)
        model = estimator.model_

    classifier = None
    if config.model in GENERATIVE:
        run.progress(0.6, "Training the feature classifier for the sample figures")
        classifier = classifier_for(run.dataset, train_images, train_labels, run.device)
    figures = representation_evaluate(
        estimator,
        config,
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
        probe=probe,
        draws=draws,
        classifier=classifier,
        sample_count=min(10_000, len(train_images)),
        embedding=result.extra.get("embedding"),
        fit_seconds=result.metrics.get("seconds"),
        device=str(run.device),
        progress=lambda fraction, message: run.progress(0.62 + 0.3 * fraction, message),
    )
    metrics = _jsonable({**result.metrics, **figures})

    run.progress(0.94, "Saving the model")
    artifacts: dict[str, dict] = {}
    codes = estimator.transform(test_images) if config.has_encoder else None  # the test images' codes
    if model is not None:
        artifacts["checkpoint"] = run.artifact_write(
            "model.pt",
            lambda path: representation_save(path, result.state, config, metrics=metrics, history=result.history),
        )
        low = None if codes is None else codes.min(axis=0)
        high = None if codes is None else codes.max(axis=0)
        arrays = serving_arrays(model.cpu(), code_low=low, code_high=high)
        artifacts["serving"] = run.artifact_write("serving.npz", lambda path: serving_write(path, arrays))
    points = None
    if is_map:
        points = result.extra["embedding"]
    elif codes is not None and config.code == 2:
        points = codes
    if points is not None:
        embedding = {
            "points": np.asarray(points, np.float32),
            "labels": np.asarray(test_labels, np.int64),
            "indices": np.arange(len(test_images), dtype=np.int64),
        }
        artifacts["embedding"] = run.artifact_write("embedding.npz", lambda path: npz_write(path, embedding))
    extras: dict[str, np.ndarray] = {}
    if config.model in GENERATIVE:
        extras["samples"] = to_uint8(estimator.sample(SAMPLE_GRID, seed=config.seed))
    if config.model == "sparse":
        with torch.no_grad():
            first = next(m for m in model.encoder if isinstance(m, torch.nn.Linear))
            extras["filters"] = filters_image(first.weight.detach().cpu().numpy())
        extras["activations"] = np.asarray(codes, np.float64).mean(axis=0).astype(np.float32)
    if extras:
        artifacts["samples"] = run.artifact_write("samples.npz", lambda path: npz_write(path, extras))

    return run.register(
        kind=REPRESENTATION_KIND,
        slot=config.model,
        config=config,
        metrics=metrics,
        artifacts=artifacts,
        card=_card(config, metrics),
        history=result.history,
    )

