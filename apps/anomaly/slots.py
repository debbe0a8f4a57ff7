"""The anomaly app's names: its model kind and slots, its job kinds, the shipped data it knows.

One model kind, "anomaly", trained by `train anomaly`: on an image data set (fashion-mnist, mnist) a
version holds one autoencoder per normal class and the one-class figures of the baselines; on a
shipped series (ucr-135, ...) it holds the seq2seq autoencoder and the series' figures. The slot is the
detector's name. Tables and uploaded series are fitted per request (their model lives with the request
and goes with it after the retention time), not registered.
"""

from __future__ import annotations

# The names the app uses, in one place (the pure ml package defines them: it cannot import the app).
from apps.anomaly.ml.config import (  # noqa: F401
    IMAGE_BASELINES,
    IMAGE_DATASETS,
    IMAGE_MODELS,
    SERIES_BASELINES,
    SERIES_DATASETS,
    SERIES_MODELS,
    TABLE_BASELINES,
    TABLE_DETECTORS,
)

ANOMALY_KIND = "anomaly"
TRAINING = "anomaly"
TRAIN_JOB_KIND = f"train.{TRAINING}"

TABLE_KIND = "anomaly.table"  # fit the detectors on an uploaded table (training queue)
SERIES_KIND = "anomaly.series"  # fit on an uploaded or shipped series (training queue)
TABLE_SCORE_KIND = "anomaly.table_score"  # score new rows with a fitted table model (interactive)
IMAGE_SCORE_KIND = "anomaly.image_score"  # score a 28×28 image against a normal class (interactive)

SLOTS = tuple(dict.fromkeys(IMAGE_MODELS + SERIES_MODELS))  # "conv" is both: the data set tells them apart
DEFAULT_IMAGE_DATASET = "fashion-mnist"

TABLE_EXAMPLES = {
    "breast-cancer": "Breast cancer (Wisconsin, scikit-learn's bundled table): 569 tumours, 30 measurements; "
    "label column `malignant` (212 malignant)",
}

TITLES = {
    "conv": "Convolutional AE",
    "vae": "VAE",
    "dae": "Denoising AE",
    "gru": "Seq2seq AE (GRU)",
    "lstm": "Seq2seq AE (LSTM)",
    "ae": "Autoencoder",
    "pca": "PCA-32 reconstruction",
    "iforest": "Isolation Forest",
    "ocsvm": "One-class SVM",
    "kde": "Kernel density",
    "ecod": "ECOD",
    "knn": "k-nearest neighbours",
    "matrix_profile": "Matrix profile",
    "sub_iforest": "Sub-sequence Isolation Forest",
    "sub_pca": "Sub-sequence PCA",
}


def detector_title(name: str, *, series: bool = False) -> str:
    if series and name == "conv":
        return "Seq2seq AE (1-D conv)"
    return TITLES.get(name, name)
