"""The detectors a seq2seq autoencoder has to beat on a series: matrix profile, sub-sequence IForest and PCA.

Scores follow the package convention: higher = more anomalous (PyOD's `decision_function` sense, not
scikit-learn's `score_samples` sign), one finite float per point from `score_points(values)`.

- "matrix_profile": the z-normalised distance of each sub-sequence to its nearest non-trivial neighbour in the
  series (a self-join with stumpy's exclusion zone of ceil(m/4); the top discord is the classic UCR archive
  answer). Unsupervised: it ignores `train_end`, a discord is measured against the whole series. Up to
  MP_NUMPY_MAX windows it is computed here in NumPy (diagonal by diagonal, exact; stumpy's numba
  compilation costs about a minute of CPU in every fresh worker process), above that with stumpy.
- "sub_iforest": scikit-learn's Isolation Forest (100 trees) on the sliding windows (TSB-AD's Sub-IForest).
- "sub_pca": PCA of the standardised windows, scored as PyOD's PCA does (the summed distances to every
  principal axis weighted by its explained-variance ratio; TSB-AD's Sub-PCA, its best method on average).

The last two fit on the windows of the known-normal part when `train_end` is given, else on all of them.
Window scores come back to points through `series_windows.windows_to_points` (the same alignment as the
autoencoder's); `align="center"` gives TSB-AD's centred alignment instead.
"""

from __future__ import annotations

import numpy as np

from .series_windows import series_normalise, window_choose, windows_make, windows_to_points

__all__ = ["BASELINES", "SeriesBaseline", "matrix_profile", "series_baseline", "window_choose"]

BASELINES = ("matrix_profile", "sub_iforest", "sub_pca")
FIT_WINDOWS_MAX = 20000  # IForest and PCA fit on at most this many training windows (evenly strided)
MP_NUMPY_MAX = 30000  # windows up to which the matrix profile is computed in NumPy (O(n²), ~2 s at 10,000)


def matrix_profile(values: np.ndarray, window: int, *, engine: str = "auto") -> np.ndarray:
    """The self-join matrix profile (z-normalised Euclidean distance to the nearest neighbour outside the
    exclusion zone |i - j| <= ceil(window / 4)); constant windows follow stumpy's convention (distance 0
    between two constant windows, sqrt(window) between a constant and a varying one)."""
    z = np.asarray(values, dtype=np.float64)
    count = z.size - window + 1
    if engine == "stumpy" or (engine == "auto" and count > MP_NUMPY_MAX):
        import stumpy

        return np.asarray(stumpy.stump(z, m=window)[:, 0], dtype=np.float64)
    prefix = np.concatenate([[0.0], np.cumsum(z)])
    prefix2 = np.concatenate([[0.0], np.cumsum(z * z)])
    mean = (prefix[window:] - prefix[:-window]) / window
    var = np.maximum((prefix2[window:] - prefix2[:-window]) / window - mean**2, 0.0)
    std = np.sqrt(var)
    constant = std < 1e-8 * np.maximum(1.0, np.abs(mean))
    std_safe = np.where(constant, 1.0, std)
    best = np.full(count, np.inf)
    exclusion = int(np.ceil(window / 4))
    for lag in range(exclusion + 1, count):
        length = count - lag
        products = np.concatenate([[0.0], np.cumsum(z[: z.size - lag] * z[lag:])])
        dots = products[window : window + length] - products[:length]  # dot(window i, window i + lag)
        corr = (dots - window * mean[:length] * mean[lag:]) / (window * std_safe[:length] * std_safe[lag:])
        first_c, second_c = constant[:length], constant[lag:]
        corr = np.where(first_c | second_c, np.where(first_c & second_c, 1.0, 0.0), corr)
        dist = 2.0 * window * (1.0 - np.minimum(corr, 1.0))
        np.minimum(best[:length], dist, out=best[:length])
        np.minimum(best[lag:], dist, out=best[lag:])
    return np.sqrt(np.maximum(best, 0.0))


class SeriesBaseline:
    """One baseline detector with the autoencoder's interface: fit(values, train_end) then score_points."""

    def __init__(self, name: str, *, window: int | None = None, seed: int = 0, align: str = "mean") -> None:
        if name not in BASELINES:
            raise ValueError(f"unknown baseline {name!r} (known: {', '.join(BASELINES)})")
        self.name = name
        self.window = window
        self.seed = seed
        self.align = align

    def fit(self, values: np.ndarray, train_end: int | None = None) -> SeriesBaseline:
        values = np.asarray(values, dtype=np.float64)
        window = self.window or window_choose(values)
        self.window_ = int(min(window, max(3, values.size // 4)))
        self.train_end_ = train_end
        z, self.mean_, self.std_ = series_normalise(values, train_end)
        if self.name == "matrix_profile":
            return self  # nothing to learn: the profile is computed on the series it scores
        part = z[:train_end] if train_end else z
        stride = max(1, (part.size - self.window_ + 1) // FIT_WINDOWS_MAX)
        windows = np.ascontiguousarray(windows_make(part, self.window_, stride))
        if self.name == "sub_iforest":
            from sklearn.ensemble import IsolationForest

            self.detector_ = IsolationForest(n_estimators=100, random_state=self.seed).fit(windows)
        else:
            self._pca_fit(windows)
        return self

    def _pca_fit(self, windows: np.ndarray) -> None:
        from sklearn.decomposition import PCA

        self.scale_mean_ = windows.mean(axis=0)
        scale = windows.std(axis=0)
        self.scale_std_ = np.where(scale > 1e-12, scale, 1.0)
        pca = PCA(random_state=self.seed).fit((windows - self.scale_mean_) / self.scale_std_)
        self.components_ = pca.components_
        # PyOD divides by the explained-variance ratios; a zero ratio (constant windows) would give infinities.
        self.weights_ = np.maximum(pca.explained_variance_ratio_, 1e-12)

    def window_scores(self, values: np.ndarray) -> np.ndarray:
        """One score per stride-1 window (n - window + 1 of them)."""
        z = (np.asarray(values, dtype=np.float64) - self.mean_) / self.std_
        if self.name == "matrix_profile":
            profile = matrix_profile(z, self.window_)
            finite = np.isfinite(profile)
            # stumpy reports inf for a window without any non-trivial neighbour (constant stretches).
            return np.where(finite, profile, profile[finite].max() if finite.any() else 0.0)
        windows = np.ascontiguousarray(windows_make(z, self.window_))
        if self.name == "sub_iforest":
            return -self.detector_.score_samples(windows)
        from scipy.spatial.distance import cdist

        standard = (windows - self.scale_mean_) / self.scale_std_
        return (cdist(standard, self.components_) / self.weights_).sum(axis=1)

    def score_points(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        return windows_to_points(self.window_scores(values), values.size, self.window_, self.align)


def series_baseline(name: str, *, window: int | None = None, seed: int = 0, align: str = "mean") -> SeriesBaseline:
    """A baseline by name ("matrix_profile", "sub_iforest", "sub_pca"); window None → `window_choose`."""
    return SeriesBaseline(name, window=window, seed=seed, align=align)
