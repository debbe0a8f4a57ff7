"""Collaborative-filtering autoencoders in PyTorch: Mult-VAE, Mult-DAE (Liang et al. 2018), RecVAE.

Inputs are users' binary interaction rows, either dense (users x items) or a `SparseRows`
batch (`csr_to_torch`). The first layer reads a sparse batch with `embedding_bag`, a
sparse-times-dense product that never builds the dense users x items batch; only the
output layer, whose softmax covers every item, is dense.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class SparseRows:
    """A batch of users' rows in CSR form as torch tensors (torch's own sparse CSR is still beta)."""

    crow: torch.Tensor  # int64, n_rows + 1
    col: torch.Tensor  # int64
    val: torch.Tensor  # float32
    n_cols: int

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.crow) - 1, self.n_cols)

    def rows(self) -> torch.Tensor:
        """The row of each stored value."""
        return torch.repeat_interleave(torch.arange(len(self.crow) - 1, device=self.crow.device), self.crow.diff())


def csr_to_torch(matrix: sp.csr_matrix, device: str | torch.device = "cpu") -> SparseRows:
    """A scipy csr batch as `SparseRows` on `device` (float32 values)."""
    matrix = matrix.tocsr()
    return SparseRows(
        crow=torch.from_numpy(matrix.indptr.astype(np.int64)).to(device),
        col=torch.from_numpy(matrix.indices.astype(np.int64)).to(device),
        val=torch.from_numpy(matrix.data.astype(np.float32)).to(device),
        n_cols=matrix.shape[1],
    )


Batch = torch.Tensor | SparseRows


class SparseInput(nn.Module):
    """First layer: L2-normalise each user's row, drop out entries, then x · W + b (W is items x out)."""

    def __init__(self, n_items: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_items, out_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        # Liang et al.: Glorot-uniform weights, biases ~ N(0, 0.001²).
        nn.init.xavier_uniform_(self.weight)
        nn.init.normal_(self.bias, std=0.001)

    def forward(self, x: Batch, dropout: float) -> torch.Tensor:
        if isinstance(x, SparseRows):
            crow, col, val = x.crow, x.col, x.val
            rows = x.rows()
            norm = torch.zeros(x.shape[0], device=val.device, dtype=val.dtype).index_add_(0, rows, val * val)
            val = val / norm.sqrt().clamp_min(1e-12)[rows]
            val = F.dropout(val, dropout, self.training)
            h = F.embedding_bag(col, self.weight, crow, mode="sum", per_sample_weights=val, include_last_offset=True)
        else:
            x = F.dropout(F.normalize(x, dim=1), dropout, self.training)
            h = x @ self.weight
        return h + self.bias


def _linear(in_features: int, out_features: int) -> nn.Linear:
    layer = nn.Linear(in_features, out_features)
    nn.init.xavier_uniform_(layer.weight)
    nn.init.normal_(layer.bias, std=0.001)
    return layer


def multinomial_nll(logits: torch.Tensor, x: Batch) -> torch.Tensor:
    """Mean over users of -Σ_i x_i log softmax(logits)_i (x is the raw binary row)."""
    log_p = F.log_softmax(logits, dim=1)
    if isinstance(x, SparseRows):
        picked = log_p[x.rows(), x.col] * x.val
        return -picked.sum() / x.shape[0]
    return -(log_p * x).sum(dim=1).mean()


def _history_sizes(x: Batch) -> torch.Tensor:
    if isinstance(x, SparseRows):
        return torch.zeros(x.shape[0], device=x.val.device).index_add_(0, x.rows(), x.val)
    return x.sum(dim=1)


class MultDAE(nn.Module):
    """Liang et al.'s Mult-DAE: [I → hidden → latent → hidden → I], tanh after every layer but the output."""

    variational = False

    def __init__(self, n_items: int, hidden: tuple[int, ...] = (600,), latent: int = 200, dropout: float = 0.5):
        super().__init__()
        self.n_items, self.hidden, self.latent, self.dropout = n_items, tuple(hidden), latent, dropout
        enc_dims = [*self.hidden, latent]
        enc_out = [*enc_dims[:-1], latent * (2 if self.variational else 1)]
        self.input = SparseInput(n_items, enc_out[0])
        self.encoder = nn.ModuleList(_linear(a, b) for a, b in zip(enc_dims[:-1], enc_out[1:], strict=True))
        dec_dims = [latent, *reversed(self.hidden), n_items]
        self.decoder = nn.ModuleList(_linear(a, b) for a, b in zip(dec_dims[:-1], dec_dims[1:], strict=True))

    def encode(self, x: Batch, dropout: float | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        h = self.input(x, self.dropout if dropout is None else dropout)
        for layer in self.encoder:
            h = layer(torch.tanh(h))
        if self.variational:
            return h[:, : self.latent], h[:, self.latent :]
        return torch.tanh(h), None

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = z
        for i, layer in enumerate(self.decoder):
            h = layer(h)
            if i < len(self.decoder) - 1:
                h = torch.tanh(h)
        return h

    def forward(self, x: Batch) -> torch.Tensor:
        """Item logits; in eval mode deterministic (no dropout, latent mean)."""
        mu, logvar = self.encode(x)
        if self.variational and self.training:
            assert logvar is not None
            mu = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(mu)

    def loss(self, x: Batch, *, beta: float = 0.0) -> tuple[torch.Tensor, dict[str, float]]:
        mu, logvar = self.encode(x)
        if not self.variational:
            nll = multinomial_nll(self.decode(mu), x)
            return nll, {"nll": float(nll.detach())}
        assert logvar is not None
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        nll = multinomial_nll(self.decode(z), x)
        kl = (0.5 * (-logvar + logvar.exp() + mu.pow(2) - 1.0)).sum(dim=1).mean()
        return nll + beta * kl, {"nll": float(nll.detach()), "kl": float(kl.detach())}

    def output_embeddings(self) -> torch.Tensor:
        """Per item, the decoder's output weights: items x last hidden (the items' 'taste' vectors)."""
        return self.decoder[-1].weight


class MultVAE(MultDAE):
    """Liang et al.'s Mult-VAE: the encoder's last layer gives the mean and log-variance of q(z|x)."""

    variational = True


# ---------------------------------------------------------------------------------------------
# RecVAE (Shenbin, Alekseev, Tutubalina, Malykh, Nikolenko 2020)

RECVAE_LN_EPS = 0.1
RECVAE_MIXTURE = (3 / 20, 3 / 4, 1 / 10)  # standard normal, previous posterior, wide normal
RECVAE_WIDE_LOGVAR = 10.0


def _swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


def _log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return -0.5 * (logvar + math.log(2 * math.pi) + (z - mu).pow(2) / logvar.exp())


class RecVAEEncoder(nn.Module):
    """Five densely connected swish layers with layer norm, then the mean and log-variance."""

    def __init__(self, n_items: int, hidden: int, latent: int, depth: int = 5) -> None:
        super().__init__()
        self.input = SparseInput(n_items, hidden)
        self.layers = nn.ModuleList(_linear(hidden, hidden) for _ in range(depth - 1))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden, eps=RECVAE_LN_EPS) for _ in range(depth))
        self.mu = _linear(hidden, latent)
        self.logvar = _linear(hidden, latent)

    def forward(self, x: Batch, dropout: float) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.norms[0](_swish(self.input(x, dropout)))
        total = h
        for layer, norm in zip(self.layers, self.norms[1:], strict=True):
            h = norm(_swish(layer(h) + total))
            total = total + h
        return self.mu(h), self.logvar(h)


class RecVAE(nn.Module):
    """RecVAE: Mult-VAE with a denser encoder, a composite prior (standard normal, the previous
    encoder's posterior, a wide normal) and a KL weight proportional to the user's history size."""

    variational = True

    def __init__(self, n_items: int, hidden: int = 600, latent: int = 200, dropout: float = 0.5, gamma: float = 0.005):
        super().__init__()
        self.n_items, self.hidden, self.latent, self.dropout, self.gamma = n_items, hidden, latent, dropout, gamma
        self.encoder = RecVAEEncoder(n_items, hidden, latent)
        self.encoder_old = copy.deepcopy(self.encoder).requires_grad_(False)
        self.decoder = _linear(latent, n_items)

    def prior_update(self) -> None:
        self.encoder_old.load_state_dict(self.encoder.state_dict())

    def _log_prior(self, x: Batch, z: torch.Tensor) -> torch.Tensor:
        self.encoder_old.eval()
        with torch.no_grad():
            post_mu, post_logvar = self.encoder_old(x, 0.0)
        zeros = torch.zeros_like(z)
        parts = [
            _log_normal(z, zeros, zeros),
            _log_normal(z, post_mu, post_logvar),
            _log_normal(z, zeros, zeros + RECVAE_WIDE_LOGVAR),
        ]
        weighted = [p + math.log(w) for p, w in zip(parts, RECVAE_MIXTURE, strict=True)]
        return torch.logsumexp(torch.stack(weighted, dim=-1), dim=-1)

    def forward(self, x: Batch) -> torch.Tensor:
        mu, logvar = self.encoder(x, self.dropout)
        if self.training:
            mu = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(mu)

    def loss(
        self, x: Batch, *, beta: float = 0.0, dropout: float | None = None
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """Negative ELBO; `beta` is ignored (the KL weight is gamma x history size, per user)."""
        mu, logvar = self.encoder(x, self.dropout if dropout is None else dropout)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        nll = multinomial_nll(self.decoder(z), x)
        kl_weight = self.gamma * _history_sizes(x)
        kl_per_user = (_log_normal(z, mu, logvar) - self._log_prior(x, z)).sum(dim=1)
        kl = (kl_per_user * kl_weight).mean()
        return nll + kl, {"nll": float(nll.detach()), "kl": float(kl.detach())}

    def output_embeddings(self) -> torch.Tensor:
        return self.decoder.weight


def model_build(
    name: str, n_items: int, *, hidden: int, latent: int, dropout: float, gamma: float = 0.005
) -> nn.Module:
    if name == "mult-vae":
        return MultVAE(n_items, (hidden,) if hidden else (), latent, dropout)
    if name == "mult-dae":
        return MultDAE(n_items, (hidden,) if hidden else (), latent, dropout)
    if name == "recvae":
        return RecVAE(n_items, hidden or 600, latent, dropout, gamma)
    raise ValueError(f"no neural model named {name!r}")
