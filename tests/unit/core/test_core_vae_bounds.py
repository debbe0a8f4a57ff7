import math

import numpy as np
import pytest
import torch

from apps.core.ml.vae.bounds import (
    bernoulli_nll,
    elbo_terms,
    gaussian_kl,
    gaussian_log_density,
    iwae_nll,
    log_weight_parts,
    log_weights,
)
from apps.core.ml.vae.config import VaeConfig
from apps.core.ml.vae.models import VaeModel, vae_build

torch.set_num_threads(1)


class LinearStub(VaeModel):
    """1-D latent, a handful of pixels: q(z|x) = N(m, s²) fixed, logits = a·z + b per pixel."""

    def __init__(self, m: float, s: float, a: list[float], b: list[float]) -> None:
        super().__init__(VaeConfig(model="mlp", latent_dim=1))
        self.m, self.logvar = m, 2 * math.log(s)
        self.a = torch.tensor(a, dtype=torch.float64).view(1, 1, 1, -1)
        self.b = torch.tensor(b, dtype=torch.float64).view(1, 1, 1, -1)
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def encode(self, x, y=None):
        n = x.shape[0]
        return torch.full((n, 1), self.m, dtype=torch.float64), torch.full((n, 1), self.logvar, dtype=torch.float64)

    def decode(self, z, y=None):
        return z.view(-1, 1, 1, 1) * self.a + self.b


def _log_sigmoid(v: float) -> float:
    return -math.log1p(math.exp(-v))


def test_bernoulli_nll_by_hand():
    logits = torch.tensor([[0.0, math.log(3.0)], [2.0, -1.0]])
    x = torch.tensor([[1.0, 0.0], [0.25, 1.0]])
    # p = 0.5 and 0.75: -log 0.5 - log 0.25 ; grey level 0.25 is a cross-entropy.
    row0 = math.log(2) + math.log(4)
    row1 = -(0.25 * _log_sigmoid(2.0) + 0.75 * _log_sigmoid(-2.0)) - _log_sigmoid(-1.0)
    assert bernoulli_nll(logits, x).tolist() == pytest.approx([row0, row1], rel=1e-6)


def test_gaussian_kl_by_hand():
    mu = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(4.0)], [0.0, 0.0]])
    expected0 = 0.5 * 1.0 + 0.5 * (4.0 - 1.0 - math.log(4.0))
    assert gaussian_kl(mu, logvar).tolist() == pytest.approx([expected0, 0.0], rel=1e-6)


def test_gaussian_log_density_matches_the_formula():
    z, mu, logvar = torch.tensor([[0.3, -1.0]]), torch.tensor([[0.1, 0.5]]), torch.tensor([[0.2, -0.4]])
    expected = sum(
        -0.5 * math.log(2 * math.pi * math.exp(lv)) - (zz - m) ** 2 / (2 * math.exp(lv))
        for zz, m, lv in zip([0.3, -1.0], [0.1, 0.5], [0.2, -0.4], strict=True)
    )
    assert float(gaussian_log_density(z, mu, logvar)) == pytest.approx(expected, rel=1e-6)


def test_elbo_parts_of_a_hand_made_model():
    stub = LinearStub(m=0.5, s=0.8, a=[2.0, -1.0, 0.5], b=[0.1, 0.3, -0.2])
    x = torch.tensor([[[[1.0, 0.0, 1.0]]]], dtype=torch.float64)
    eps = torch.tensor([[-0.7]], dtype=torch.float64)
    recon, kl = elbo_terms(stub, x, eps=eps)
    z = 0.5 + 0.8 * -0.7
    logits = [2.0 * z + 0.1, -1.0 * z + 0.3, 0.5 * z - 0.2]
    hand_recon = -(_log_sigmoid(logits[0]) + _log_sigmoid(-logits[1]) + _log_sigmoid(logits[2]))
    hand_kl = 0.5 * (0.5**2 + 0.8**2 - 1 - math.log(0.8**2))
    assert float(recon) == pytest.approx(hand_recon, rel=1e-9)
    assert float(kl) == pytest.approx(hand_kl, rel=1e-9)


def test_iwae_with_one_sample_is_the_single_sample_elbo():
    stub = LinearStub(m=-0.2, s=0.6, a=[1.5, 0.7], b=[-0.3, 0.2])
    x = torch.tensor([[[[1.0, 0.0]]], [[[0.0, 0.0]]]], dtype=torch.float64)
    eps = torch.tensor([[[0.4], [-1.3]]], dtype=torch.float64)  # K=1 × B=2 × d=1
    recon, _ = elbo_terms(stub, x, eps=eps[0])
    z = -0.2 + 0.6 * eps[0]
    log_q = gaussian_log_density(z, torch.full_like(z, -0.2), torch.full_like(z, 2 * math.log(0.6)))
    log_p = -0.5 * (math.log(2 * math.pi) + z.pow(2)).sum(-1)
    # With the same sample, -log w = recon + (log q - log p): the ELBO with a sampled KL.
    assert iwae_nll(stub, x, k=1, eps=eps).tolist() == pytest.approx((recon + log_q - log_p).tolist(), rel=1e-9)


def _stub_log_px(zs: np.ndarray, a: list[float], b: list[float], x: list[float]) -> np.ndarray:
    logits = np.outer(zs, a) + np.array(b)
    return (np.array(x) * -np.logaddexp(0, -logits) + (1 - np.array(x)) * -np.logaddexp(0, logits)).sum(1)


def test_iwae_with_one_sample_equals_the_elbo_in_expectation():
    m, s, a, b, pixels = -0.3, 0.7, [1.2, -2.0, 0.4], [0.2, 0.1, -0.6], [0.0, 1.0, 1.0]
    stub = LinearStub(m=m, s=s, a=a, b=b)
    x = torch.tensor(pixels, dtype=torch.float64).view(1, 1, 1, 3)
    zs = np.linspace(m - 12 * s, m + 12 * s, 100_001)
    q = np.exp(-0.5 * ((zs - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
    expected_recon = -np.trapezoid(q * _stub_log_px(zs, a, b, pixels), zs)
    neg_elbo = expected_recon + 0.5 * (m**2 + s**2 - 1 - math.log(s**2))
    with torch.no_grad():
        singles = -log_weights(stub, x, k=40_000, generator=torch.Generator().manual_seed(5))[:, 0]
        analytic_recon, _ = elbo_terms(stub, x.expand(40_000, 1, 1, 3), generator=torch.Generator().manual_seed(6))
    sem = float(singles.std()) / math.sqrt(singles.numel())
    assert abs(float(singles.mean()) - neg_elbo) < 4 * sem
    assert abs(float(analytic_recon.mean()) - expected_recon) < 4 * float(analytic_recon.std()) / math.sqrt(40_000)


def test_iwae_matches_quadrature_and_sits_below_the_elbo():
    stub = LinearStub(m=0.4, s=0.9, a=[2.0, -1.5, 1.0], b=[0.0, 0.5, -0.5])
    x = torch.tensor([[[[1.0, 0.0, 1.0]]]], dtype=torch.float64)
    zs = np.linspace(-12, 12, 200_001)
    log_px = _stub_log_px(zs, [2.0, -1.5, 1.0], [0.0, 0.5, -0.5], [1.0, 0.0, 1.0])
    prior = np.exp(-0.5 * zs**2) / math.sqrt(2 * math.pi)
    true_nll = -math.log(np.trapezoid(np.exp(log_px) * prior, zs))
    generator = torch.Generator().manual_seed(0)
    k = 200_000
    with torch.no_grad():
        iwae_big = float(iwae_nll(stub, x, k=k, generator=generator))
        weights = torch.exp(log_weights(stub, x, k=k, generator=generator)[:, 0])
        eps = torch.randn(20_000, 1, generator=generator, dtype=torch.float64)
        recon, kl = elbo_terms(stub, x.expand(20_000, 1, 1, 3), eps=eps)
    # The ELBO (averaged over its sample) bounds the NLL from above; a large K closes the gap
    # to within the estimator's own standard error (delta method on -log mean w).
    neg_elbo = float(recon.mean() + kl.mean())
    assert neg_elbo > true_nll + 0.01
    log_se = float(weights.std() / weights.mean()) / math.sqrt(k)
    assert abs(iwae_big - true_nll) < 4 * log_se


def test_chunking_does_not_change_the_weights():
    model = vae_build(VaeConfig(model="mlp", latent_dim=2, hidden=8))
    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    eps = torch.randn(10, 3, 2, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        whole = log_weights(model, x, k=10, eps=eps, max_rows=1000)
        chunked = log_weights(model, x, k=10, eps=eps, max_rows=4)
    torch.testing.assert_close(whole, chunked)
    assert whole.shape == (10, 3)


def test_iwae_needs_a_sample():
    model = vae_build(VaeConfig(model="mlp", latent_dim=2, hidden=8))
    with pytest.raises(ValueError, match="k"):
        iwae_nll(model, torch.zeros(1, 1, 28, 28), k=0)


def test_weight_parts_sum_to_the_weights_and_carry_gradients():
    model = vae_build(VaeConfig(model="mlp", latent_dim=2, hidden=8))
    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    eps = torch.randn(6, 3, 2, generator=torch.Generator().manual_seed(1))
    log_px, log_pz_q = log_weight_parts(model, x, k=6, eps=eps, max_rows=4)
    torch.testing.assert_close(log_px + log_pz_q, log_weights(model, x, k=6, eps=eps))
    assert log_px.shape == log_pz_q.shape == (6, 3) and bool((log_px <= 0).all())
    # Trainable: the bound's gradient reaches the encoder through the reparameterised samples.
    torch.logsumexp(log_px + log_pz_q, dim=0).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
