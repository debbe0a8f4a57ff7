"""DLAE and EDLAE (Steck 2020): the closed forms against their defining problems, the validation
search, and `recommender_train` serving them through the item-item path."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from apps.core.ml.config import ConfigError
from apps.recommender.ml.config import TrainConfig
from apps.recommender.ml.dlae import (
    blend_weight_select,
    closed_form_select,
    dlae_from_gram,
    dlae_penalty,
    edlae_from_gram,
    validation_ndcg,
)
from apps.recommender.ml.ease import ease_from_gram, ease_gram, ease_scores
from apps.recommender.ml.export import neural_score_fn
from apps.recommender.ml.models import model_build
from apps.recommender.ml.serving import ServingModel, scores_blend
from tests.unit.recommender.test_recommender_train import METRIC_KEYS, train


def random_binary(n_users: int = 60, n_items: int = 12, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = (rng.random((n_users, n_items)) < rng.uniform(0.1, 0.6, size=n_items)).astype(np.float32)
    return sp.csr_matrix(dense)


def test_dlae_is_ridge_with_the_dropout_penalty():
    X = random_binary()
    G = ease_gram(X)
    p, lam = 0.3, 2.0
    penalty = p / (1 - p) * np.diag(G) + lam
    np.testing.assert_allclose(dlae_penalty(G, p, lam), penalty)
    # B minimises ||X - XB||² + ||Λ^½ B||²: the normal equations (G + Λ) B = G.
    expected = np.linalg.solve(G + np.diag(penalty), G)
    B = dlae_from_gram(G, p, lam)
    np.testing.assert_allclose(B, expected, atol=1e-5)
    # The penalty keeps the diagonal away from the identity; more dropout, further away.
    assert np.all(np.diag(B) < 1) and np.all(np.diag(B) > 0)
    assert np.all(np.diag(dlae_from_gram(G, 0.6, lam)) < np.diag(B))


def test_edlae_solves_each_column_with_its_own_item_left_out():
    X = random_binary(seed=1)
    G = ease_gram(X)
    p, lam = 0.4, 1.5
    penalty = p / (1 - p) * np.diag(G) + lam
    B = edlae_from_gram(G, p, lam)
    assert np.all(np.diag(B) == 0)
    for j in range(G.shape[0]):
        # min ||X_j - X_{-j} b||² + Σ penalty_i b_i² over the other items: the emphasised loss's column j.
        others = np.flatnonzero(np.arange(G.shape[0]) != j)
        expected = np.linalg.solve(G[np.ix_(others, others)] + np.diag(penalty[others]), G[others, j])
        np.testing.assert_allclose(B[others, j], expected, atol=1e-5)


def test_no_dropout_gives_ease_and_ridge():
    G = ease_gram(random_binary(seed=2))
    np.testing.assert_allclose(edlae_from_gram(G, 0.0, 7.0), ease_from_gram(G, 7.0), atol=1e-6)
    ridge = np.linalg.solve(G + 7.0 * np.eye(len(G)), G)
    np.testing.assert_allclose(dlae_from_gram(G, 0.0, 7.0), ridge, atol=1e-5)


@pytest.mark.parametrize("p, lam", [(-0.1, 1.0), (1.0, 1.0), (0.5, 0.0)])
def test_bad_settings_are_refused(p, lam):
    with pytest.raises(ValueError):
        dlae_from_gram(np.eye(3), p, lam)


def split_made() -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    X = random_binary(120, 15, seed=3)
    train, val = X[:90], X[90:].tolil()
    val_te = sp.lil_matrix(val.shape, dtype=np.float32)
    for row in range(val.shape[0]):  # one held-out item per validation user
        items = val.rows[row]
        if items:
            val_te[row, items[-1]] = 1.0
            val[row, items[-1]] = 0.0
    return train.tocsr(), val.tocsr(), val_te.tocsr()


@pytest.mark.parametrize("model", ["dlae", "edlae"])
def test_select_returns_the_best_setting_it_tried(model):
    train_x, val_tr, val_te = split_made()
    chosen, B, tried = closed_form_select(model, train_x, val_tr, val_te, dropouts=(0.1, 0.5), lambdas=(1.0, 10.0))
    assert chosen["validation_ndcg"] == max(tried.values())
    assert f"p={chosen['p']:g},lambda={chosen['lambda']:g}" in tried
    assert chosen["p"] in (0.1, 0.5) and chosen["lambda"] in (1.0, 10.0)
    assert validation_ndcg(B, val_tr, val_te) == pytest.approx(chosen["validation_ndcg"])


def test_select_keeps_settings_it_was_given():
    train_x, val_tr, val_te = split_made()
    chosen, _, tried = closed_form_select("edlae", train_x, val_tr, val_te, p=0.25, lam=3.0)
    assert (chosen["p"], chosen["lambda"]) == (0.25, 3.0) and len(tried) == 1
    chosen, _, tried = closed_form_select("dlae", train_x, val_tr, val_te, p=0.25, lambdas=(1.0, 10.0))
    assert chosen["p"] == 0.25 and set(tried) == {"p=0.25,lambda=1", "p=0.25,lambda=10"}


@pytest.mark.parametrize("model", ["dlae", "edlae"])
def test_train_serves_the_closed_form_through_the_item_item_path(model):
    seen: list[dict] = []
    result = train({"model": model, "heldout_users": 10}, on_epoch=seen.append)
    assert len(seen) == 1 and result.history == seen and result.best_epoch == 1
    assert set(result.metrics) == METRIC_KEYS and set(result.baselines) == {"popularity", "ease"}
    assert 0 <= result.config["dlae_dropout"] < 1 and result.config["dlae_lambda"] > 0
    assert result.validation["ndcg@100"] == pytest.approx(seen[0]["ndcg@100"])
    assert result.config["validation"] == result.validation
    assert result.validation["ndcg@100"] == max(result.config["dlae_validation_ndcg"].values())
    serving = ServingModel.from_arrays(result.serving)
    assert serving.model == model
    B = result.state["ease_b"].numpy()
    items = result.state["items"].numpy()
    inputs = np.array([items[0], items[3]])
    expected = np.asarray(ease_scores(sp.csr_matrix(([1.0, 1.0], ([0, 0], [0, 3])), shape=(1, len(items))), B))[0]
    np.testing.assert_allclose(serving.scores_foldin(inputs, np.array([5.0, 5.0]))[items], expected, rtol=1e-5)
    if model == "edlae":
        assert np.all(np.diag(B) == 0)


def test_train_with_fixed_settings_and_ease_records_validation():
    result = train({"model": "edlae", "heldout_users": 10, "dlae_dropout": 0.2, "dlae_lambda": 5.0})
    assert (result.config["dlae_dropout"], result.config["dlae_lambda"]) == (0.2, 5.0)
    ease = train({"model": "ease", "heldout_users": 10})
    assert ease.validation["ndcg@100"] == pytest.approx(ease.history[0]["ndcg@100"])


@pytest.mark.parametrize("key, value", [("dlae_dropout", 1.0), ("dlae_dropout", -0.1), ("dlae_lambda", 0.0)])
def test_config_refuses_bad_dlae_settings(key, value):
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict({"model": "dlae", key: value})
    assert info.value.field == key


def test_blend_weight_grid_holds_both_parts_and_picks_the_best():
    train_x, val_tr, val_te = split_made()
    B = edlae_from_gram(ease_gram(train_x), 0.3, 5.0)
    item_item = ease_scores(val_tr, B)
    noise = np.random.default_rng(0).normal(size=item_item.shape).astype(np.float32)
    weight, table = blend_weight_select(item_item, noise, val_tr, val_te)
    assert {0.0, 1.0} <= set(table) and table[weight] == max(table.values())
    assert table[1.0] == pytest.approx(validation_ndcg(B, val_tr, val_te))
    assert weight > 0.5  # random scores as the second part: the item-item scores carry the blend


def test_scores_blend_scales_each_part_to_unit_length():
    a, b = np.array([[3.0, 4.0]]), np.array([[0.0, -10.0]])
    np.testing.assert_allclose(scores_blend(a, b, 1.0), [[0.6, 0.8]], atol=1e-6)
    np.testing.assert_allclose(scores_blend(a, b, 0.5), [[0.3, -0.1]], atol=1e-6)
    np.testing.assert_allclose(scores_blend(a * 7, b, 0.5), scores_blend(a, b * 3, 0.5), atol=1e-6)


def test_ensemble_trains_both_parts_and_serves_the_blend():
    small = {"ensemble_hidden": 16, "ensemble_latent": 8, "batch_size": 16, "epochs": 3, "heldout_users": 10}
    seen: list[dict] = []
    result = train({"model": "ensemble", **small}, on_epoch=seen.append)
    assert [e["epoch"] for e in seen] == [1, 2, 3]  # the neural part's epochs
    weight = result.config["ensemble_weight"]
    assert result.validation["ndcg@100"] == max(result.config["ensemble_validation_ndcg"].values())
    assert result.validation["ndcg@100"] >= max(e["ndcg@100"] for e in seen) - 1e-12
    assert set(result.metrics) == METRIC_KEYS and "dlae_dropout" in result.config
    serving = ServingModel.from_arrays(result.serving)
    assert serving.model == "ensemble" and serving.blend_weight == weight
    items = result.state["items"].numpy()
    inputs = np.array([items[1], items[2]])
    row = sp.csr_matrix(([1.0, 1.0], ([0, 0], [1, 2])), shape=(1, len(items)))
    B = result.state["ease_b"].numpy()
    item_item_only = ease_scores(row, B)[0]
    # What the web serves, over the model's items, is the blend of B's scores and the network's.
    served = serving.scores_foldin(inputs, np.array([5.0, 5.0]))[items]
    model = model_build("mult-dae", len(items), hidden=16, latent=8, dropout=0.5)
    model.load_state_dict(result.state["state_dict"])
    neural = neural_score_fn(model, "cpu")(row)[0]
    np.testing.assert_allclose(served, scores_blend(item_item_only, neural, weight), atol=1e-5)
