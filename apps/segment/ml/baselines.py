"""The methods a segmenter is measured against, with the estimator shape `fit(images, masks)` / `predict(images)`.

- constant: every pixel the most frequent training class (the accuracy floor: "cell" on EM).
- otsu: one Otsu threshold per image, the darker side one class (learnt from the training masks: on EM
  membranes are dark). Binary only: Otsu has no answer for ten item classes on a scene.
- random_forest: scikit-image's `multiscale_basic_features` (intensity, edges, texture at several
  scales, per channel) per pixel into scikit-learn's RandomForestClassifier, trained on a uniform random
  subsample of the training pixels (all of them would not fit a minute's budget).

Images are uint8 N×H×W (grey) or N×H×W×3; masks N×H×W class labels.
"""

from __future__ import annotations

import numpy as np

from .config import SEGMENT_BASELINES

RF_PIXELS = 100_000  # training pixels sampled for the forest
RF_TREES = 50
RF_SIGMA_MAX = 16


def _grey(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 3:
        return (image[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)).astype(np.float32)
    return image.astype(np.float32)


class ConstantSegmenter:
    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, images: np.ndarray, masks: np.ndarray) -> ConstantSegmenter:
        self.label_ = int(np.bincount(np.asarray(masks).ravel()).argmax())
        return self

    def predict(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images)
        return np.full(images.shape[:3], self.label_, dtype=np.uint8)


class OtsuSegmenter:
    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, images: np.ndarray, masks: np.ndarray) -> OtsuSegmenter:
        masks = np.asarray(masks)
        if masks.max() > 1:
            raise ValueError("Otsu separates two classes only; these masks have more")
        grey = np.stack([_grey(image) for image in images])
        # which class lies on the dark side of the threshold: the one with the darker mean in training
        self.dark_label_ = int(grey[masks == 1].mean() < grey[masks == 0].mean())
        return self

    def predict(self, images: np.ndarray) -> np.ndarray:
        from skimage.filters import threshold_otsu

        out = []
        for image in images:
            grey = _grey(image)
            dark = grey <= threshold_otsu(grey)
            out.append(np.where(dark, self.dark_label_, 1 - self.dark_label_).astype(np.uint8))
        return np.stack(out)


class RandomForestSegmenter:
    def __init__(self, seed: int = 0, pixels: int = RF_PIXELS, trees: int = RF_TREES, n_jobs: int = 1) -> None:
        self.seed, self.pixels, self.trees, self.n_jobs = seed, pixels, trees, n_jobs

    @staticmethod
    def features(image: np.ndarray) -> np.ndarray:
        """H×W×F float32 features of one image."""
        from skimage.feature import multiscale_basic_features

        image = np.asarray(image)
        channel_axis = -1 if image.ndim == 3 else None
        return multiscale_basic_features(
            image.astype(np.float32) / 255.0, channel_axis=channel_axis, sigma_min=1, sigma_max=RF_SIGMA_MAX
        ).astype(np.float32)

    def fit(self, images: np.ndarray, masks: np.ndarray) -> RandomForestSegmenter:
        from sklearn.ensemble import RandomForestClassifier

        rng = np.random.default_rng(self.seed)
        masks = np.asarray(masks)
        # a uniform sample of the pixels: the forest learns the classes' true frequencies (balancing them
        # trades pixel accuracy for the rare class's recall)
        per_image = max(1, self.pixels // len(images))
        xs, ys = [], []
        for image, mask in zip(images, masks, strict=True):
            flat = mask.ravel()
            picked = rng.choice(flat.size, size=min(per_image, flat.size), replace=False)
            feats = self.features(image)
            xs.append(feats.reshape(-1, feats.shape[-1])[picked])
            ys.append(flat[picked])
        self.forest_ = RandomForestClassifier(
            n_estimators=self.trees, max_depth=None, min_samples_leaf=2, n_jobs=self.n_jobs, random_state=self.seed
        ).fit(np.concatenate(xs), np.concatenate(ys))
        return self

    def predict(self, images: np.ndarray) -> np.ndarray:
        out = []
        for image in images:
            feats = self.features(image)
            labels = self.forest_.predict(feats.reshape(-1, feats.shape[-1]))
            out.append(labels.reshape(feats.shape[:2]).astype(np.uint8))
        return np.stack(out)


def baseline_segmenter(name: str, *, seed: int = 0, **options):
    """A new baseline by name: "constant", "otsu" or "random_forest" (options: pixels, trees, n_jobs)."""
    if name == "constant":
        return ConstantSegmenter(seed)
    if name == "otsu":
        return OtsuSegmenter(seed)
    if name == "random_forest":
        return RandomForestSegmenter(seed, **options)
    raise ValueError(f"unknown baseline {name!r} (known: {', '.join(SEGMENT_BASELINES)})")
