"""Sliding windows over a series and the way window scores map back to points (NumPy only).

Every series detector here (the seq2seq autoencoder and the baselines) scores sub-sequences of length m;
they all come back to points through `windows_to_points`, so no detector gets an edge from its alignment.
"""

from __future__ import annotations

import numpy as np

WINDOW_DEFAULT = 125  # TSB-AD's fallback when the autocorrelation shows no usable period
WINDOW_MIN, WINDOW_MAX = 3, 300


def series_normalise(values: np.ndarray, train_end: int | None = None) -> tuple[np.ndarray, float, float]:
    """z-normalised values with the statistics of the training part ([0, train_end), or all of it)."""
    values = np.asarray(values, dtype=np.float64)
    part = values[:train_end] if train_end else values
    mean = float(part.mean())
    std = float(part.std())
    std = std if std > 1e-12 * max(1.0, abs(mean)) else 1.0  # a constant training part: centre only
    return (values - mean) / std, mean, std


def windows_make(values: np.ndarray, window: int, stride: int = 1) -> np.ndarray:
    """All windows of length `window` starting every `stride` points (a view where possible), shape K × window.
    The last window always ends at the last point, so a stride never leaves the tail unseen."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    if values.size < window:
        raise ValueError(f"the series has {values.size} points, fewer than the window ({window})")
    view = np.lib.stride_tricks.sliding_window_view(values, window)
    if stride <= 1:
        return view
    starts = np.arange(0, view.shape[0], stride)
    if starts[-1] != view.shape[0] - 1:
        starts = np.append(starts, view.shape[0] - 1)
    return view[starts]


def windows_to_points(window_scores: np.ndarray, n: int, window: int, how: str = "mean") -> np.ndarray:
    """Point scores from the scores of the n - window + 1 stride-1 windows.

    "mean": each point gets the mean score of the windows that cover it (a window's score spread over its
    points); "center": each point gets the score of the window centred on it, the ends padded with the first
    and last window's score (TSB-AD's alignment). A 2-D input (windows × window, one error per position)
    with "mean" gives each point the mean of its own errors in every window that holds it.
    """
    scores = np.asarray(window_scores, dtype=np.float64)
    count = n - window + 1
    if scores.shape[0] != count:
        raise ValueError(f"expected {count} window scores, got {scores.shape[0]}")
    if scores.ndim == 2:
        if how != "mean":
            raise ValueError("per-position errors map to points with how='mean' only")
        total = np.zeros(n)
        for offset in range(window):  # window-length loop of vector adds: fast for any n
            total[offset : offset + count] += scores[:, offset]
    elif how == "mean":
        prefix = np.concatenate([[0.0], np.cumsum(scores)])
        points = np.arange(n)
        first = np.maximum(points - window + 1, 0)  # the windows starting in [first, last] cover the point
        last = np.minimum(points, count - 1)
        total = prefix[last + 1] - prefix[first]
        return total / (last - first + 1)
    elif how == "center":
        before = (window - 1) // 2 + (window - 1) % 2
        after = n - count - before
        return np.concatenate([np.full(before, scores[0]), scores, np.full(after, scores[-1])])
    else:
        raise ValueError(f"how must be 'mean' or 'center', got {how!r}")
    covered = np.minimum(np.arange(n), count - 1) - np.maximum(np.arange(n) - window + 1, 0) + 1
    return total / covered


def autocorrelation(values: np.ndarray, lags: int) -> np.ndarray:
    """Sample autocorrelation at lags 0..lags (biased estimate, as statsmodels' acf with fft=True)."""
    x = np.asarray(values, dtype=np.float64) - np.mean(values)
    n = x.size
    size = 1 << int(np.ceil(np.log2(2 * n - 1)))
    spectrum = np.fft.rfft(x, size)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size)[: lags + 1] / n
    return acov / acov[0] if acov[0] > 0 else np.zeros(lags + 1)


def window_choose(values: np.ndarray) -> int:
    """The sub-sequence length: the series' dominant period from the autocorrelation (TSB-AD's find_length_rank
    with rank 1: the highest local maximum of the ACF at lags 3..400 of the first 20,000 points), or 125 when
    there is none in 3..300."""
    data = np.asarray(values, dtype=np.float64)[:20000]
    base = 3
    if data.size < 2 * base + 2 or np.std(data) == 0:
        return min(WINDOW_DEFAULT, max(WINDOW_MIN, data.size // 4))
    acf = autocorrelation(data, min(400, data.size - 1))[base:]
    inner = acf[1:-1]
    local_max = np.flatnonzero((inner > acf[:-2]) & (inner > acf[2:])) + 1
    if local_max.size == 0:
        return WINDOW_DEFAULT
    best = int(local_max[np.argmax(acf[local_max])])
    if best < WINDOW_MIN or best > WINDOW_MAX:
        return WINDOW_DEFAULT
    return best + base
