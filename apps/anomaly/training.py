"""The worker side of `train anomaly`: one-class image models (a detector per normal class, the baselines
measured in the same job) or the seq2seq autoencoder on a shipped series. torch is imported inside the
functions only: the contract imports this module in every process.

Artifacts: images — "detectors" (every class's autoencoder, `ml.images.detectors_save`) and "examples"
(npz: per class the test images that score most normal and most anomalous, their scores and heat maps);
series — "model" (the autoencoder's state) and "scores" (npz: values, labels, the scores of it and of
each baseline).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from apps.anomaly.ml.config import IMAGE_DATASETS, ImageTrainConfig, SeriesTrainConfig
from apps.anomaly.slots import ANOMALY_KIND, TRAINING, detector_title
from apps.anomaly.worker import torch_bytes
from apps.core.ml.files import npz_write
from apps.core.training import TrainingRun

EXAMPLES = 8  # test images shown per class and end (most normal, most anomalous)


def _data_dir() -> str | None:
    return settings.AEWEB_DATA_DIR or None


def anomaly_train_job(job, reporter) -> dict:
    run = TrainingRun(job, reporter, training=TRAINING)
    if run.dataset in IMAGE_DATASETS:
        return _images_train(run)
    return _series_train(run)


def _auc(normal: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(~normal, scores))


def _images_train(run: TrainingRun) -> dict:
    from apps.anomaly.ml.heatmap import heatmap_rgb
    from apps.anomaly.ml.image_baselines import image_baseline
    from apps.anomaly.ml.images import OneClassAutoencoder, detectors_save
    from apps.core.ml.image_datasets import dataset_load

    config = ImageTrainConfig.from_dict({**run.settings, "model": run.model})
    run.progress(0.01, f"Loading {run.dataset}")
    train_images, train_labels = dataset_load(run.dataset, "train", data_dir=_data_dir())
    test_images, test_labels = dataset_load(run.dataset, "test", data_dir=_data_dir())
    if config.test_count:
        test_images, test_labels = test_images[: config.test_count], test_labels[: config.test_count]
    classes = list(config.classes)
    baselines = list(config.baselines or ())
    steps = len(classes) * (1 + 0.25 * len(baselines))
    done = 0.0
    detectors: dict[int, Any] = {}
    aucs: dict[str, float] = {}
    seconds: list[float] = []
    examples: dict[str, np.ndarray] = {}
    base_auc: dict[str, dict[str, float]] = {name: {} for name in baselines}
    base_seconds: dict[str, float] = {name: 0.0 for name in baselines}
    for c in classes:
        normal_train = train_images[train_labels == c][: config.train_count or None]
        start, end = 0.03 + 0.9 * done / steps, 0.03 + 0.9 * (done + 1) / steps

        def on_epoch(epoch: int, fraction: float, loss: float, _s=start, _e=end, _c=c) -> None:
            run.progress(_s + (_e - _s) * min(1.0, fraction), f"class {_c}: epoch {epoch}, loss {loss:.4f}")

        run.progress(start, f"Training the {detector_title(config.model)} on class {c} ({len(normal_train):,} images)")
        detector = OneClassAutoencoder(
            config.model, seconds=config.seconds, epochs=config.epochs, device=run.device, seed=config.seed + c,
            on_epoch=on_epoch,
        ).fit(normal_train)  # fmt: skip
        seconds.append(float(detector.fit_seconds_))
        scores = np.asarray(detector.score_samples(test_images), np.float64)
        normal = test_labels == c
        aucs[str(c)] = _auc(normal, scores)
        order = np.argsort(scores, kind="stable")
        picked = np.concatenate([order[:EXAMPLES], order[-EXAMPLES:][::-1]])
        examples[f"index_{c}"] = picked.astype(np.int64)
        examples[f"score_{c}"] = scores[picked].astype(np.float32)
        examples[f"image_{c}"] = np.asarray(test_images[picked], np.uint8)
        examples[f"heat_{c}"] = heatmap_rgb(detector.error_maps(test_images[picked]), detector.error_scale_)
        examples[f"train_scores_{c}"] = np.asarray(detector.train_scores_, np.float32)
        detectors[c] = detector
        done += 1
        for name in baselines:
            run.progress(0.03 + 0.9 * done / steps, f"Baseline {detector_title(name)} on class {c}")
            began = time.perf_counter()
            found = image_baseline(name, seed=config.seed).fit(normal_train).score_samples(test_images)
            base_seconds[name] += time.perf_counter() - began
            base_auc[name][str(c)] = _auc(normal, np.asarray(found, np.float64))
            done += 0.25

    metrics = {
        "auc": aucs,
        "auc_mean": float(np.mean(list(aucs.values()))),
        "seconds_per_class": float(np.mean(seconds)),
        "test_images": len(test_images),
        "classes": classes,
    }
    baseline_figures = {
        name: {
            "auc": base_auc[name],
            "auc_mean": float(np.mean(list(base_auc[name].values()))),
            "seconds_per_class": base_seconds[name] / len(classes),
        }
        for name in baselines
    }
    run.progress(0.95, "Saving the models")
    artifacts = {
        "detectors": run.artifact_write("detectors.pt", lambda path: detectors_save(path, detectors)),
        "examples": run.artifact_write("examples.npz", lambda path: npz_write(path, examples)),
    }
    card = (
        f"one-class {detector_title(config.model)} per class on {run.dataset}, {config.seconds:g} s per class; "
        f"mean ROC-AUC {metrics['auc_mean']:.3f} over {len(classes)} classes, {len(test_images):,} test images"
        + "".join(f"; {detector_title(n)} {f['auc_mean']:.3f}" for n, f in baseline_figures.items())
    )
    return run.register(
        kind=ANOMALY_KIND,
        slot=config.model,
        config=config,
        metrics=metrics,
        baselines=baseline_figures,
        artifacts=artifacts,
        card=card,
    )


def _series_train(run: TrainingRun) -> dict:
    from apps.anomaly.ml.series_data import series_load
    from apps.anomaly.ml.series_run import series_detect

    config = SeriesTrainConfig.from_dict({**run.settings, "model": run.model})
    run.progress(0.01, f"Loading the series {run.dataset}")
    series = series_load(run.dataset)
    result = series_detect(series, config, device=run.device, progress=run.progress)
    arrays = {
        "values": np.asarray(series.values, np.float64),
        "scores": result.scores.astype(np.float32),
        **({"labels": np.asarray(series.labels, np.int8)} if series.labels is not None else {}),
        **{f"baseline_{n}": s.astype(np.float32) for n, s in result.baseline_scores.items()},
    }
    run.progress(0.97, "Saving the model")
    artifacts = {
        "model": run.artifact_write("model.pt", lambda path: Path(path).write_bytes(torch_bytes(result.model.state()))),
        "scores": run.artifact_write("scores.npz", lambda path: npz_write(path, arrays)),
    }
    metrics = {**result.metrics, "threshold": result.threshold.value, "flagged_ranges": len(result.ranges)}
    figures = ", ".join(f"{k} {v:.3f}" for k, v in result.metrics.items() if k in ("roc_auc", "vus_pr"))
    card = f"{detector_title(config.model, series=True)} on {series.title}, window {result.window}; {figures}"
    return run.register(
        kind=ANOMALY_KIND,
        slot=config.model,
        config=config,
        metrics=metrics,
        baselines=result.baselines,
        artifacts=artifacts,
        card=card,
    )


def _torch_save(path, state: dict) -> None:
    import torch

    with open(path, "wb") as handle:
        torch.save(state, handle)
