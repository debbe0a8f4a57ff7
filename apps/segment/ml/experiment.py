"""One experiment's parts, shared by the training job and the benchmarks: data, evaluation, baselines.

fashionopolis: train scenes generated from Fashion-MNIST training items (seed TRAIN_SEED), test scenes
from test items (seed TEST_SEED), both fixed, so every run is measured on the same scenes. isbi-em:
slices 0-23 train, 24-29 test. Pure NumPy/torch (no Django): the caller passes the data folder.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .config import DATASET_BASELINES, SegmenterConfig
from .isbi import ISBI_TEST, ISBI_TRAIN, isbi_dir, isbi_load

TRAIN_SEED, TEST_SEED = 1, 2  # fashionopolis scene sets (scenes_make seeds)
RF_SCENES = 500  # fashionopolis: training scenes the random forest samples its pixels from


def segment_data_load(config: SegmenterConfig, data_dir: str | None = None) -> dict[str, Any]:
    """{"train": (images, masks), "test": (images, masks), "source": text} for the config's data set."""
    if config.dataset == "isbi-em":
        folder = isbi_dir(data_dir)
        if folder is None:
            raise FileNotFoundError(
                f"the ISBI EM slices are not in {data_dir or 'AEWEB_DATA_DIR (unset)'}/isbi-em "
                "(image/N.png and label/N.png, N = 0..29): put them there to train on them"
            )
        return {
            "train": isbi_load(folder, ISBI_TRAIN),
            "test": isbi_load(folder, ISBI_TEST),
            "source": f"ISBI 2012 EM slices {ISBI_TRAIN[0]}-{ISBI_TRAIN[-1]} (test {ISBI_TEST[0]}-{ISBI_TEST[-1]})",
        }
    from apps.core.ml.image_datasets import dataset_load

    from .scenes import scenes_make

    train_items, train_labels = dataset_load("fashion-mnist", "train", data_dir=data_dir)
    test_items, test_labels = dataset_load("fashion-mnist", "test", data_dir=data_dir)
    return {
        "train": scenes_make(config.scenes, TRAIN_SEED, train_items, train_labels),
        "test": scenes_make(config.test_scenes, TEST_SEED, test_items, test_labels),
        "source": (
            f"{config.scenes:,} Fashionopolis scenes (seed {TRAIN_SEED}, Fashion-MNIST training items); "
            f"test {config.test_scenes:,} scenes (seed {TEST_SEED}, test items)"
        ),
    }


def segmenter_evaluate(model, images: np.ndarray, masks: np.ndarray, *, device: str = "cpu") -> dict[str, Any]:
    """segmentation_scores on the test images plus inference milliseconds per image."""
    from .inference import images_segment
    from .metrics import segmentation_scores

    began = time.perf_counter()
    pred = images_segment(model, images, device=device)
    seconds = time.perf_counter() - began
    return {
        **segmentation_scores(pred, masks, model.config.classes),
        "inference_ms_per_image": 1000 * seconds / max(1, len(images)),
    }


def baselines_measure(
    config: SegmenterConfig, data: dict[str, Any], *, names=None, progress=None, n_jobs: int = 1
) -> dict[str, dict]:
    """{name: {"pixel_accuracy", "iou", "miou", "seconds"}} for the data set's baselines on the same test set."""
    from .baselines import baseline_segmenter
    from .metrics import segmentation_scores

    names = DATASET_BASELINES[config.dataset] if names is None else names
    train_x, train_y = data["train"]
    test_x, test_y = data["test"]
    out = {}
    for i, name in enumerate(names):
        if progress is not None:
            progress(i / max(1, len(names)), name)
        x, y = (train_x[:RF_SCENES], train_y[:RF_SCENES]) if config.dataset == "fashionopolis" else (train_x, train_y)
        began = time.perf_counter()
        options = {"n_jobs": n_jobs} if name == "random_forest" else {}
        pred = baseline_segmenter(name, seed=config.seed, **options).fit(x, y).predict(test_x)
        out[name] = {**segmentation_scores(pred, test_y, config.classes), "seconds": time.perf_counter() - began}
    return out
