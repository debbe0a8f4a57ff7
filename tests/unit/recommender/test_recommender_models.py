"""Mult-VAE, Mult-DAE, RecVAE and EASE on tiny data: shapes, sparse = dense, loss goes down, EASE closed form."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from apps.recommender.ml.ease import ease_fit, ease_lambda_select, ease_scores
from apps.recommender.ml.models import MultDAE, MultVAE, RecVAE, csr_to_torch, model_build

N_ITEMS = 24


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny tensors: thread hand-offs cost more than the work (10x on a busy 2-core machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def clustered(n_users: int = 48, seed: int = 0) -> sp.csr_matrix:
    """Users in 3 taste groups, each liking items of its own third of the catalogue."""
    rng = np.random.default_rng(seed)
    dense = np.zeros((n_users, N_ITEMS), dtype=np.float32)
    for u in range(n_users):
        group = np.arange(8) + 8 * (u % 3)
        dense[u, rng.choice(group, size=5, replace=False)] = 1
    return sp.csr_matrix(dense)


MODELS = {
    "mult-vae": lambda: MultVAE(N_ITEMS, (16,), 8, dropout=0.5),
    "mult-dae": lambda: MultDAE(N_ITEMS, (16,), 8, dropout=0.5),
    "mult-dae-no-hidden": lambda: MultDAE(N_ITEMS, (), 8, dropout=0.5),
    "recvae": lambda: RecVAE(N_ITEMS, 16, 8, dropout=0.5),
}


@pytest.mark.parametrize("name", MODELS)
def test_shapes_and_sparse_equals_dense(name):
    torch.manual_seed(0)
    model = MODELS[name]().eval()
    X = clustered()[:10]
    with torch.no_grad():
        sparse_out = model(csr_to_torch(X))
        dense_out = model(torch.from_numpy(X.toarray()))
    assert sparse_out.shape == (10, N_ITEMS)
    torch.testing.assert_close(sparse_out, dense_out, rtol=1e-5, atol=1e-5)


def test_vae_encoder_outputs_mean_and_logvar():
    model = MultVAE(N_ITEMS, (16,), 8).eval()
    mu, logvar = model.encode(csr_to_torch(clustered()[:4]))
    assert mu.shape == logvar.shape == (4, 8)
    _, none = MultDAE(N_ITEMS, (16,), 8).eval().encode(csr_to_torch(clustered()[:4]))
    assert none is None


def test_vae_is_deterministic_in_eval_and_stochastic_in_training():
    torch.manual_seed(0)
    model = MultVAE(N_ITEMS, (16,), 8)
    x = csr_to_torch(clustered()[:4])
    model.eval()
    torch.testing.assert_close(model(x), model(x))
    model.train()
    assert not torch.allclose(model(x), model(x))


@pytest.mark.parametrize("name", MODELS)
def test_loss_goes_down(name):
    torch.manual_seed(0)
    model = MODELS[name]()
    X = csr_to_torch(clustered())
    model.eval()
    before = model.loss(X, beta=0.2)[1]["nll"]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(40):
        loss, _ = model.loss(X, beta=0.2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    after = model.loss(X, beta=0.2)[1]["nll"]
    assert after < 0.9 * before, (before, after)


def test_model_build_names():
    assert isinstance(model_build("mult-vae", 10, hidden=8, latent=4, dropout=0.5), MultVAE)
    assert type(model_build("mult-dae", 10, hidden=0, latent=4, dropout=0.5)) is MultDAE
    assert isinstance(model_build("recvae", 10, hidden=8, latent=4, dropout=0.5), RecVAE)
    with pytest.raises(ValueError):
        model_build("ease", 10, hidden=8, latent=4, dropout=0.5)


def test_ease_matches_per_item_ridge_regression():
    """EASE's closed form = for each item j, ridge regression of column j on all other columns."""
    X = clustered(seed=3)
    lam = 5.0
    B = ease_fit(X, lam)
    assert B.dtype == np.float32 and B.shape == (N_ITEMS, N_ITEMS)
    assert np.all(np.diag(B) == 0)
    dense = X.toarray().astype(np.float64)
    for j in (0, 9, 23):
        others = [i for i in range(N_ITEMS) if i != j]
        A = dense[:, others]
        weights = np.linalg.solve(A.T @ A + lam * np.eye(len(others)), A.T @ dense[:, j])
        np.testing.assert_allclose(B[others, j], weights, rtol=1e-4, atol=1e-5)


def test_ease_scores_and_lambda_selection():
    X = clustered(seed=1)
    B = ease_fit(X, 10.0)
    np.testing.assert_allclose(ease_scores(X[:3], B), X[:3].toarray() @ B, rtol=1e-5, atol=1e-6)
    val = clustered(n_users=12, seed=2)
    val_tr = val.copy()
    val_tr.data[::3] = 0  # hide every third positive as the target
    val_tr.eliminate_zeros()
    lam, best_B, table = ease_lambda_select(X, val_tr, val - val_tr, grid=(1.0, 10.0, 100.0))
    assert set(table) == {1.0, 10.0, 100.0} and table[lam] == max(table.values())
    np.testing.assert_allclose(best_B, ease_fit(X, lam))
    with pytest.raises(ValueError):
        ease_fit(X, 0.0)
