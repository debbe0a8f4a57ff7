"""The figures the representations are compared by. NumPy and scikit-learn, no torch.

- reconstruction: squared error summed per image, pixels in [0, 1] (Hinton & Salakhutdinov 2006);
- the linear autoencoder against PCA: principal angles between the two subspaces;
- sparsity: mean activation, active and dead units against the target rho;
- feature learning: a linear probe (logistic regression) and k-NN on the codes with n labels per
  class, the same seeded label draws for every representation;
- maps: k-NN accuracy of the 2-D points (k-fold), trustworthiness and continuity (Venna & Kaski 2001);
- samples: precision and recall (Kynkäänniemi et al. 2019, k-NN balls in a feature space) and the
  share of each class among classified samples (mode collapse shows as a few classes taking most).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

PROBE_COUNTS: tuple[int | None, ...] = (10, 100, 1000, None)  # labels per class; None: every training label
DRAWS = 5
DEAD_LEVEL = 0.1  # a sigmoid code unit that never reaches this on the test images is dead
ACTIVE_LEVEL = 0.5  # a sigmoid code unit above this is "on" for that image


def _unit(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    flat = images.reshape(images.shape[0], -1)
    return flat.astype(np.float64) / 255.0 if images.dtype == np.uint8 else flat.astype(np.float64)


def recon_errors(images: np.ndarray, rebuilt: np.ndarray) -> np.ndarray:
    """Per-image sum of squared errors; uint8 arrays are read as /255, floats as given (in [0, 1])."""
    a, b = _unit(images), _unit(rebuilt)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return ((a - b) ** 2).sum(axis=1)


def recon_error(images: np.ndarray, rebuilt: np.ndarray) -> float:
    """The mean over images of the per-image sum of squared errors (Hinton & Salakhutdinov's figure)."""
    return float(recon_errors(images, rebuilt).mean())


def principal_angles_deg(basis_a: np.ndarray, basis_b: np.ndarray) -> np.ndarray:
    """Principal angles (degrees, largest first) between the column spaces of D×k `basis_a` and D×m `basis_b`."""
    from scipy.linalg import subspace_angles

    return np.degrees(subspace_angles(np.asarray(basis_a, np.float64), np.asarray(basis_b, np.float64)))


def sparsity_stats(activations: np.ndarray, target: float) -> dict[str, float]:
    """Statistics of N×units code activations in [0, 1] against the target mean activation rho.

    mean_activation: over images and units; mean_activation_error: |mean − rho| / rho;
    units_near_target: share of units whose own mean is within ±20 % of rho; active_fraction: share
    of (image, unit) activations above 0.5; dead_fraction: share of units that never reach 0.1."""
    a = np.asarray(activations, dtype=np.float64)
    per_unit = a.mean(axis=0)
    mean = float(a.mean())
    return {
        "mean_activation": mean,
        "mean_activation_error": abs(mean - target) / target,
        "units_near_target": float((np.abs(per_unit - target) <= 0.2 * target).mean()),
        "active_fraction": float((a > ACTIVE_LEVEL).mean()),
        "dead_fraction": float((a.max(axis=0) < DEAD_LEVEL).mean()),
        "sparsity_target": float(target),
    }


def label_draws(labels: np.ndarray, per_class: int | None, draws: int, seed: int = 0) -> list[np.ndarray]:
    """Sorted index arrays of `per_class` labelled examples of every class, one per draw.

    Depends only on the labels, the count and the seed, so every representation is probed with the
    same examples. `per_class` None: all the labels, once."""
    labels = np.asarray(labels)
    if per_class is None:
        return [np.arange(labels.shape[0])]
    out = []
    for draw in range(draws):
        rng = np.random.default_rng([seed, per_class, draw])
        chosen = []
        for cls in np.unique(labels):
            members = np.flatnonzero(labels == cls)
            if members.size < per_class:
                raise ValueError(f"labels: class {cls} has {members.size} examples, fewer than {per_class}")
            chosen.append(rng.choice(members, size=per_class, replace=False))
        out.append(np.sort(np.concatenate(chosen)))
    return out


def linear_probe_accuracy(
    train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray, *, max_iter: int = 500
) -> float:
    """Test accuracy of a multinomial logistic regression (C = 1) on standardised features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=max_iter))
    model.fit(np.asarray(train_x, np.float32), train_y)
    return float((model.predict(np.asarray(test_x, np.float32)) == np.asarray(test_y)).mean())


def knn_accuracy(
    train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray, *, k: int = 5
) -> float:
    """Test accuracy of a k-nearest-neighbour vote (Euclidean, on the features as they are)."""
    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(n_neighbors=min(k, len(train_x))).fit(np.asarray(train_x, np.float32), train_y)
    return float((model.predict(np.asarray(test_x, np.float32)) == np.asarray(test_y)).mean())


def probe_scores(
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    *,
    counts: Sequence[int | None] = PROBE_COUNTS,
    draws: int = DRAWS,
    seed: int = 0,
    probe: bool = True,
    knn: bool = True,
) -> dict[str, float]:
    """`probe_acc_<n>`, `probe_std_<n>`, `knn_acc_<n>`, `knn_std_<n>` for n in counts ("all" for None):
    mean and standard deviation over the label draws (std 0 with all the labels, drawn once)."""
    out: dict[str, float] = {}
    for count in counts:
        name = "all" if count is None else str(count)
        subsets = label_draws(train_y, count, draws, seed)
        for kind, enabled, score in (("probe", probe, linear_probe_accuracy), ("knn", knn, knn_accuracy)):
            if not enabled:
                continue
            values = [score(train_x[idx], train_y[idx], test_x, test_y) for idx in subsets]
            out[f"{kind}_acc_{name}"] = float(np.mean(values))
            out[f"{kind}_std_{name}"] = float(np.std(values))
    return out


def map_knn_accuracy(points: np.ndarray, labels: np.ndarray, *, k: int = 5, folds: int = 5, seed: int = 0) -> float:
    """Mean k-NN accuracy over stratified, shuffled k-folds of the 2-D points: how well classes separate."""
    from sklearn.model_selection import StratifiedKFold

    points, labels = np.asarray(points, np.float64), np.asarray(labels)
    scores = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(points, labels):
        scores.append(knn_accuracy(points[train], labels[train], points[test], labels[test], k=k))
    return float(np.mean(scores))


def _squared_distances(rows: np.ndarray, points: np.ndarray, norms: np.ndarray) -> np.ndarray:
    d = norms[None, :] + (rows**2).sum(1)[:, None] - 2.0 * rows @ points.T
    return np.maximum(d, 0.0)


def trustworthiness(high: np.ndarray, low: np.ndarray, *, k: int = 5, chunk: int = 256) -> float:
    """Venna & Kaski's trustworthiness of the map `low` of the points `high` (1 = no false neighbours).

    T(k) = 1 − 2 / (n k (2n − 3k − 1)) · Σ_i Σ_{j ∈ U_k(i)} (r(i, j) − k), where U_k(i) are the k
    nearest map neighbours of i that are not among its k nearest original neighbours and r(i, j) is
    j's rank among i's original neighbours. As sklearn.manifold.trustworthiness, in chunks of rows
    (memory O(chunk · n), not O(n²))."""
    high, low = _unit_points(high), _unit_points(low)
    n = high.shape[0]
    if not 1 <= k < n / 2:
        raise ValueError(f"k: must be in 1..{math.ceil(n / 2) - 1} for {n} points")
    high_norms, low_norms = (high**2).sum(1), (low**2).sum(1)
    total = 0.0
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        d_low = _squared_distances(low[rows], low, low_norms)
        d_low[np.arange(rows.size), rows] = np.inf
        near_low = np.argpartition(d_low, k, axis=1)[:, :k]  # the k nearest map neighbours (self excluded)
        d_high = _squared_distances(high[rows], high, high_norms)
        d_high[np.arange(rows.size), rows] = np.inf
        target = np.take_along_axis(d_high, near_low, axis=1)  # chunk×k
        ranks = (d_high[:, None, :] < target[:, :, None]).sum(axis=2) + 1  # 1 = the nearest
        total += float(np.maximum(ranks - k, 0).sum())
    return 1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * total


def continuity(high: np.ndarray, low: np.ndarray, *, k: int = 5, chunk: int = 256) -> float:
    """Venna & Kaski's continuity: trustworthiness with the roles swapped (1 = no neighbours torn apart)."""
    return trustworthiness(low, high, k=k, chunk=chunk)


def _unit_points(points: np.ndarray) -> np.ndarray:
    return _unit(points)


def _kth_neighbour_radii(points: np.ndarray, k: int, chunk: int = 1024) -> np.ndarray:
    norms = (points**2).sum(1)
    radii = np.empty(points.shape[0])
    for start in range(0, points.shape[0], chunk):
        d = _squared_distances(points[start : start + chunk], points, norms)
        # The k-th smallest after the point itself (distance 0) is index k.
        radii[start : start + chunk] = np.sqrt(np.partition(d, k, axis=1)[:, k])
    return radii


def _covered(queries: np.ndarray, centres: np.ndarray, radii: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Whether each query lies in at least one ball (centre, radius)."""
    norms = (centres**2).sum(1)
    hit = np.empty(queries.shape[0], dtype=bool)
    for start in range(0, queries.shape[0], chunk):
        d = _squared_distances(queries[start : start + chunk], centres, norms)
        hit[start : start + chunk] = (d <= radii[None, :] ** 2).any(axis=1)
    return hit


def precision_recall(real: np.ndarray, fake: np.ndarray, *, k: int = 3) -> dict[str, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of generated features against real ones.

    Each set's manifold is the union of balls around its points reaching their k-th nearest neighbour
    in the same set; precision is the share of generated points inside the real manifold (quality),
    recall the share of real points inside the generated manifold (diversity)."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if min(real.shape[0], fake.shape[0]) <= k:
        raise ValueError(f"features: need more than k={k} points in each set")
    precision = _covered(fake, real, _kth_neighbour_radii(real, k)).mean()
    recall = _covered(real, fake, _kth_neighbour_radii(fake, k)).mean()
    return {"precision": float(precision), "recall": float(recall)}


def class_coverage(predicted: np.ndarray, classes: int = 10, *, min_share: float = 0.01) -> dict[str, float]:
    """How generated samples spread over the classes a classifier sees in them.

    class_coverage: classes given at least `min_share` of the samples (10 of 10 for a model that
    covers every class); class_entropy: entropy of the class shares over log(classes) (1 = uniform);
    class_max_share: the largest class's share (mode collapse pushes it up)."""
    counts = np.bincount(np.asarray(predicted, dtype=np.int64), minlength=classes).astype(np.float64)
    shares = counts / max(1.0, counts.sum())
    nonzero = shares[shares > 0]
    return {
        "class_coverage": int((shares >= min_share).sum()),
        "class_entropy": float(-(nonzero * np.log(nonzero)).sum() / math.log(classes)),
        "class_max_share": float(shares.max()),
    }
