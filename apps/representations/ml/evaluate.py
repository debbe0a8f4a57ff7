"""The figures of one trained representation, as a flat dict of JSON numbers (workers and benchmarks).

    representation_evaluate(estimator, config, train_images=, train_labels=, test_images=, test_labels=)

Which figures a model gets depends on what it can do:
- an encoder and a decoder (the AE types, PCA): `test_recon_error` (squared error summed per image,
  pixels in [0, 1], mean over the test images) and `pca_recon_error` (PCA at the same code size,
  fitted on the same training images, on the same test images);
- linear: `principal_angle_max_deg` between its decoder's subspace and PCA's;
- sparse: `mean_activation`, `active_fraction`, `dead_fraction`, ... against `sparsity_target`;
- an encoder, with `probe`: `probe_acc_<n>`/`probe_std_<n>`, `knn_acc_<n>`/`knn_std_<n>` for n = 10, 100,
  1000 labels per class and "all" (metrics.probe_scores);
- a 2-D code or map: `map_knn_acc`, `map_trustworthiness`, `map_continuity` (k = 5, against the test
  pixels), `fit_seconds`, `map_ms_per_image` (None for t-SNE, which cannot place a new image);
- vae and gan, with a classifier: `frechet`, `precision`, `recall`, `class_coverage`,
  `class_entropy`, `class_max_share` of `sample_count` samples; the VAE also `test_neg_elbo`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from . import metrics as m
from .baselines import PcaRepresentation, TsneMap, UmapMap
from .config import RepresentationConfig

MAP_K = 5
PR_K = 3  # Kynkäänniemi et al.'s k


def map_scores(
    points: np.ndarray, labels: np.ndarray, pixels: np.ndarray, *, k: int = MAP_K, seed: int = 0
) -> dict[str, float]:
    """k-NN accuracy (5-fold), trustworthiness and continuity of 2-D points of the images `pixels`."""
    return {
        "map_knn_acc": m.map_knn_accuracy(points, labels, k=k, seed=seed),
        "map_trustworthiness": m.trustworthiness(pixels, points, k=k),
        "map_continuity": m.continuity(pixels, points, k=k),
    }


def ms_per_image(transform: Callable[[np.ndarray], Any], images: np.ndarray, repeats: int = 20) -> float:
    """Median milliseconds to map one new image (called one image at a time, as a web request would).

    Timed with one torch thread: one image has no work to share, and on a busy CPU the second thread's
    hand-offs dominated (measured on 2 loaded cores: conv encoder 88 ms with 2 threads, 0.26 ms with 1)."""
    torch = sys.modules.get("torch")  # only where a torch model is being timed; this module stays torch-free
    threads = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
    try:
        transform(images[:1])  # warm-up (lazy imports, first-call compilation)
        times = []
        for i in range(repeats):
            one = images[i % len(images) : i % len(images) + 1]
            started = time.perf_counter()
            transform(one)
            times.append((time.perf_counter() - started) * 1000.0)
    finally:
        if torch is not None:
            torch.set_num_threads(threads)
    return float(np.median(times))


def sample_scores(
    samples: np.ndarray, reference: np.ndarray, classifier, *, device: str = "cpu", k: int = PR_K
) -> dict[str, float]:
    """Fréchet distance, precision/recall and class coverage of uint8 samples against uint8 real images,
    in the feature space of `classifier` (apps.core.ml.image_classifier)."""
    from apps.core.ml.frechet import features_frechet
    from apps.core.ml.image_classifier import classifier_features

    fake, predicted = classifier_features(classifier, samples, device=device)
    real, _ = classifier_features(classifier, reference, device=device)
    return {
        "frechet": features_frechet(fake, real),
        **m.precision_recall(real, fake, k=k),
        **m.class_coverage(predicted, 10),
    }


def to_uint8(images: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(np.asarray(images, np.float64) * 255.0), 0, 255).astype(np.uint8)


def representation_evaluate(
    estimator,
    config: RepresentationConfig,
    *,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    probe: bool = True,
    draws: int = m.DRAWS,
    counts=m.PROBE_COUNTS,
    pca: PcaRepresentation | None = None,
    classifier=None,
    sample_count: int = 10_000,
    embedding: np.ndarray | None = None,
    fit_seconds: float | None = None,
    device: str = "cpu",
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """The figures of `estimator` (fitted) on the test images; see the module's docstring.

    `pca`: a PcaRepresentation of the same code size fitted on `train_images` (fitted here when None);
    `embedding`: the 2-D points of the test images for t-SNE/UMAP (their `embedding_` otherwise)."""
    say = progress or (lambda fraction, message: None)
    out: dict[str, Any] = {"test_images": int(test_images.shape[0])}
    model = config.model
    has_encoder = model in ("vanilla", "linear", "sparse", "conv", "denoising", "vae", "pca")
    test_codes = train_codes = None
    if has_encoder:
        say(0.0, "Encoding the test images")
        test_codes = estimator.transform(test_images)
        rebuilt = estimator.inverse_transform(test_codes)
        out["test_recon_error"] = m.recon_error(test_images, rebuilt)
        if pca is None or pca.n_components != config.code:
            pca = PcaRepresentation(config.code, seed=config.seed).fit(train_images)
        out["pca_recon_error"] = m.recon_error(test_images, pca.inverse_transform(pca.transform(test_images)))
    if model == "linear":
        decoder = estimator.model_.decoder[0].weight.detach().cpu().numpy()  # 784×code
        out["principal_angle_max_deg"] = float(m.principal_angles_deg(decoder, pca.components_.T).max())
    if model == "sparse":
        out.update(m.sparsity_stats(test_codes, config.sparsity_target))
    if has_encoder and probe:
        say(0.2, "Probing the codes (logistic regression and k-NN)")
        train_codes = estimator.transform(train_images)
        fewest = int(np.bincount(np.asarray(train_labels, np.int64)).min())
        counts = [c for c in counts if c is None or c <= fewest]  # a few hundred images have no 1000 per class
        out.update(m.probe_scores(train_codes, train_labels, test_codes, test_labels, counts=counts, draws=draws))
    if model in ("tsne", "umap") or (has_encoder and config.code == 2):
        say(0.7, "Scoring the 2-D map")
        points = embedding if embedding is not None else (test_codes if has_encoder else estimator.embedding_)
        out.update(map_scores(points, test_labels, test_images, seed=config.seed))
        if fit_seconds is None:
            fit_seconds = getattr(estimator, "fit_seconds_", None)
        out["fit_seconds"] = fit_seconds
        if isinstance(estimator, TsneMap):
            out["map_ms_per_image"] = None  # t-SNE places all points together: no map for a new image
        elif isinstance(estimator, UmapMap | PcaRepresentation) or has_encoder:
            out["map_ms_per_image"] = ms_per_image(estimator.transform, test_images)
    if model in ("vae", "gan") and classifier is not None:
        say(0.85, f"Scoring {sample_count:,} samples")
        samples = to_uint8(estimator.sample(sample_count, seed=config.seed + 7))
        rng = np.random.default_rng(config.seed + 11)
        reference = train_images[np.sort(rng.choice(len(train_images), min(sample_count, len(train_images)), False))]
        out.update(sample_scores(samples, reference, classifier, device=device))
    if model == "vae":
        out["test_neg_elbo"] = vae_neg_elbo(estimator.model_, test_images, seed=config.seed)
    return out


def vae_neg_elbo(model, images: np.ndarray, *, seed: int = 0, batch: int = 500) -> float:
    """The VAE's test −ELBO in nats per image (grey levels as Bernoulli means): its likelihood bound."""
    import torch

    from apps.core.ml.vae.bounds import elbo_terms

    vae = model.vae.eval()
    device = next(vae.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    total = 0.0
    with torch.inference_mode():
        for start in range(0, len(images), batch):
            x = torch.from_numpy(images[start : start + batch]).float().div_(255.0).unsqueeze(1).to(device)
            recon, kl = elbo_terms(vae, x, generator=generator)
            total += float((recon + kl).sum())
    return total / len(images)
