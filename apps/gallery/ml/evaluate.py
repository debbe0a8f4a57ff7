"""Test-set evaluation of a gallery VAE: negative ELBO (reconstruction + KL) and the IWAE bound, in nats.

On MNIST the figures are also computed under the standard dynamic-binarisation protocol (each
pixel sampled once as Bernoulli(grey level) with a fixed seed) so they sit beside published
likelihoods; on grey levels the "reconstruction nats" are a cross-entropy, not a likelihood.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from apps.core.ml.image_datasets import dataset_load
from apps.core.ml.vae.bounds import elbo_terms, iwae_nll
from apps.core.ml.vae.models import VaeModel
from apps.core.ml.vae.train import images_check

BINARIZE_SEED = 0  # the test set's fixed binarisation


def images_binarize(images: np.ndarray, seed: int = BINARIZE_SEED) -> np.ndarray:
    """uint8 images → uint8 {0, 255}: each pixel on with probability grey/255 (seeded)."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random(images.shape) < images / 255.0, 255, 0).astype(np.uint8)


@torch.inference_mode()
def vae_evaluate(
    model: VaeModel,
    images: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    iwae_k: int = 100,
    binarize: bool = False,
    seed: int = 0,
    batch_size: int = 100,
    per_image: bool = False,
    on_batch: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Mean per-image nats over `images`: neg_elbo = recon + kl, and iwae_nll with `iwae_k` samples.

    `binarize` applies the fixed-seed binarisation first. iwae_k=1000 is the published
    protocol (cost: iwae_k decoder passes per image); 0 skips the bound. `per_image` adds
    the per-image values as float64 arrays under "per_image" (for standard errors).
    """
    images_check(images, labels)
    if model.conditional and labels is None:
        raise ValueError("labels: a conditional model is evaluated with the test labels")
    model.eval()
    device = next(model.parameters()).device
    data = images_binarize(images) if binarize else images
    generator = torch.Generator().manual_seed(seed)  # CPU: the same noise on any device
    parts: dict[str, list[np.ndarray]] = {"recon": [], "kl": [], "iwae_nll": []}
    total = data.shape[0]
    for start in range(0, total, batch_size):
        x = torch.from_numpy(data[start : start + batch_size]).float().div_(255.0).unsqueeze(1).to(device)
        y = None
        if model.conditional and labels is not None:
            y = torch.from_numpy(np.asarray(labels[start : start + batch_size], dtype=np.int64)).to(device)
        recon, kl = elbo_terms(model, x, y, generator=generator)
        parts["recon"].append(recon.double().cpu().numpy())
        parts["kl"].append(kl.double().cpu().numpy())
        if iwae_k:
            parts["iwae_nll"].append(iwae_nll(model, x, y, k=iwae_k, generator=generator).double().cpu().numpy())
        if on_batch is not None:
            on_batch(min(start + batch_size, total), total)
    values = {key: np.concatenate(chunks) for key, chunks in parts.items() if chunks}
    values["neg_elbo"] = values["recon"] + values["kl"]
    out: dict[str, Any] = {
        "count": total,
        "neg_elbo": float(values["neg_elbo"].mean()),
        "recon": float(values["recon"].mean()),
        "kl": float(values["kl"].mean()),
        "binarized": binarize,
    }
    if iwae_k:
        out.update(iwae_nll=float(values["iwae_nll"].mean()), iwae_k=iwae_k)
    if per_image:
        out["per_image"] = values
    return out


def vae_test_evaluate(
    model: VaeModel,
    *,
    dataset: str | None = None,
    iwae_k: int = 100,
    count: int | None = None,
    seed: int = 0,
    data_dir: str | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Metrics on the test split of the model's data set, flat for a model registry.

    Keys: neg_elbo, recon, kl, iwae_nll, iwae_k, count; on MNIST also binarized_neg_elbo,
    binarized_recon, binarized_kl, binarized_iwae_nll. `count` limits the test images (first N).
    A model trained on binarised images is scored by the bound on the binarised test set only: on
    grey levels its IWAE figure means nothing and would double the cost of a long evaluation (its
    grey neg. ELBO is still given). `on_batch` sees one count over every pass.
    """
    name = dataset or model.config.dataset
    images, labels = dataset_load(name, "test", data_dir=data_dir)
    if count is not None:
        images, labels = images[:count], labels[:count]
    use_labels = labels if model.conditional else None
    binarised_too = name == "mnist"
    grey_k = 0 if binarised_too and model.config.binarize else iwae_k
    # One progress over both passes, each its share of the decoder passes (1 + K per image).
    costs = [1 + grey_k, *([1 + iwae_k] if binarised_too else [])]

    def pass_progress(index: int) -> Callable[[int, int], None] | None:
        if on_batch is None:
            return None
        start, share = sum(costs[:index]) / sum(costs), costs[index] / sum(costs)
        return lambda done, total: on_batch(round((start + share * done / max(1, total)) * len(images)), len(images))

    grey = vae_evaluate(model, images, use_labels, iwae_k=grey_k, seed=seed, on_batch=pass_progress(0))
    metrics = {k: v for k, v in grey.items() if k != "binarized"}
    if binarised_too:
        binary = vae_evaluate(
            model, images, use_labels, iwae_k=iwae_k, binarize=True, seed=seed, on_batch=pass_progress(1)
        )
        metrics.update({f"binarized_{k}": binary[k] for k in ("neg_elbo", "recon", "kl", "iwae_nll") if k in binary})
        if iwae_k:
            metrics["iwae_k"] = iwae_k
    return metrics
