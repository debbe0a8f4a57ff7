"""The ELBO and the importance-weighted bound (Burda et al., 2015) of a Bernoulli-decoder VAE, in nats.

All functions return one value per image, summed over the 784 pixels, so means over a test
set read as the per-image nats that papers report.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from apps.core.ml.vae.models import VaeModel, randn

LOG_2PI = math.log(2 * math.pi)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) per image; with grey-level x this is the cross-entropy, exact only for binary x."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per row, in closed form."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)


def gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(-1)


def standard_normal_log_density(z: torch.Tensor) -> torch.Tensor:
    return -0.5 * (LOG_2PI + z.pow(2)).sum(-1)


def elbo_terms(
    model: VaeModel,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    *,
    generator: torch.Generator | None = None,
    eps: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(reconstruction nats, KL nats) per image: one reparameterised sample, analytic KL.

    -ELBO = reconstruction + KL. `eps` (B×d) fixes the sample, for tests and paired comparisons.
    """
    mu, logvar = model.encode(x, y)
    if eps is None:
        eps = randn(tuple(mu.shape), generator, mu.device)
    z = mu + eps * torch.exp(0.5 * logvar)
    return bernoulli_nll(model.decode(z, y), x), gaussian_kl(mu, logvar)


def log_weight_parts(
    model: VaeModel,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    *,
    k: int,
    generator: torch.Generator | None = None,
    eps: torch.Tensor | None = None,
    max_rows: int = 8192,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(log p(x|z_k), log p(z_k) - log q(z_k|x)) for k samples per image: two K×B tensors.

    Their sum is the log importance weight; minus their means over K are a K-sample estimate of
    the reconstruction and KL terms of the ELBO. Decoding runs in chunks of at most `max_rows`
    latents so K=1000 fits in memory. Differentiable (reparameterised), so it also trains.
    """
    batch = x.shape[0]
    mu, logvar = model.encode(x, y)
    std = torch.exp(0.5 * logvar)
    per_chunk = max(1, max_rows // batch)
    px, pz = [], []
    for start in range(0, k, per_chunk):
        count = min(per_chunk, k - start)
        noise = eps[start : start + count] if eps is not None else randn((count, *mu.shape), generator, mu.device)
        z = mu.unsqueeze(0) + noise * std.unsqueeze(0)  # count×B×d
        flat = z.reshape(count * batch, -1)
        labels = None if y is None else torch.as_tensor(y, device=x.device).repeat(count)
        logits = model.decode(flat, labels).view(count, batch, *x.shape[1:])
        target = x.unsqueeze(0).expand_as(logits)
        px.append(-F.binary_cross_entropy_with_logits(logits, target, reduction="none").flatten(2).sum(2))
        pz.append(standard_normal_log_density(z) - gaussian_log_density(z, mu.unsqueeze(0), logvar.unsqueeze(0)))
    return torch.cat(px, dim=0), torch.cat(pz, dim=0)


def log_weights(
    model: VaeModel,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    *,
    k: int,
    generator: torch.Generator | None = None,
    eps: torch.Tensor | None = None,
    max_rows: int = 8192,
) -> torch.Tensor:
    """log p(x, z_k) - log q(z_k|x) for k samples per image: a K×B tensor."""
    log_px, log_pz_q = log_weight_parts(model, x, y, k=k, generator=generator, eps=eps, max_rows=max_rows)
    return log_px + log_pz_q


def iwae_nll(
    model: VaeModel,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    *,
    k: int,
    generator: torch.Generator | None = None,
    eps: torch.Tensor | None = None,
    max_rows: int = 8192,
) -> torch.Tensor:
    """The importance-weighted upper bound on -log p(x) per image, -log mean_k w_k (tighter as K grows)."""
    if k < 1:
        raise ValueError("k: must be at least 1")
    weights = log_weights(model, x, y, k=k, generator=generator, eps=eps, max_rows=max_rows)
    return -(torch.logsumexp(weights, dim=0) - math.log(k))
