"""`recommender_train` end to end on tiny made-up ratings, and TrainConfig's checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from apps.core.ml.config import ConfigError
from apps.recommender.ml.config import TrainConfig
from apps.recommender.ml.train import recommender_train

N_USERS, N_ITEMS = 90, 36
SMALL = {"hidden": 16, "latent": 8, "batch_size": 16, "epochs": 3, "heldout_users": 10}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_ratings(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three taste groups: high ratings inside the group's 12 items, a few low ones outside.
    Items 33-35 are rated by nobody (catalogue only)."""
    rng = np.random.default_rng(seed)
    users, items, ratings = [], [], []
    for u in range(N_USERS):
        liked = rng.choice(np.arange(11) + 11 * (u % 3), size=7, replace=False)
        disliked = rng.choice(np.setdiff1d(np.arange(33), liked), size=2, replace=False)
        for i in liked:
            users.append(u), items.append(i), ratings.append(float(rng.choice([4, 5])))
        for i in disliked:
            users.append(u), items.append(i), ratings.append(float(rng.choice([1, 2])))
    return np.array(users, np.int32), np.array(items, np.int32), np.array(ratings, np.float32)


def train(config: dict, **kwargs):
    users, items, ratings = tiny_ratings()
    return recommender_train(users, items, ratings, N_USERS, N_ITEMS, TrainConfig.from_dict(config), **kwargs)


METRIC_KEYS = {"ndcg@100", "recall@20", "recall@50"}


def test_mult_vae_result():
    seen: list[dict] = []
    result = train({"model": "mult-vae", **SMALL}, on_epoch=seen.append)
    assert [e["epoch"] for e in seen] == [1, 2, 3]
    assert all(set(e) == {"epoch", "epochs", "loss", "ndcg@100", "seconds"} for e in seen)
    assert result.history == seen and 1 <= result.best_epoch <= 3
    assert result.best_epoch == 1 + int(np.argmax([e["ndcg@100"] for e in seen]))
    assert set(result.metrics) == METRIC_KEYS
    assert set(result.baselines) == {"popularity", "ease"}
    assert all(set(b) == METRIC_KEYS for b in result.baselines.values())
    assert all(0.0 <= v <= 1.0 for v in result.metrics.values())
    assert result.config["heldout_users"] == 10 and result.config["ease_lambda"] > 0
    assert result.config["total_anneal_steps"] >= 1
    assert "state_dict" in result.state and result.state["items"].dtype == torch.int64


def test_serving_topk_never_holds_a_rated_item():
    users, items, _ = tiny_ratings()
    serving = train({"model": "mult-dae", **SMALL}).serving
    top = serving["topk_items"]
    assert top.shape == (N_USERS, 100) and top.dtype == np.int32
    assert serving["topk_scores"].dtype == np.float32
    known = serving["item_known"]
    assert not known[33:].any()  # never rated, so the model never learnt them
    for u in range(N_USERS):
        listed = top[u][top[u] >= 0]
        rated = np.zeros(N_ITEMS, dtype=bool)
        rated[items[users == u]] = True
        # Every known item the user has not rated, once, then -1 padding (fewer candidates than 100).
        assert sorted(listed.tolist()) == np.flatnonzero(known & ~rated).tolist()
        assert (top[u][len(listed) :] == -1).all()
        assert np.all(np.diff(serving["topk_scores"][u][: len(listed)]) <= 0)


def test_ease_and_baselines():
    seen: list[dict] = []
    result = train({"model": "ease", "heldout_users": 10}, on_epoch=seen.append)
    assert len(seen) == 1 and seen[0]["epoch"] == 1 and seen[0]["epochs"] == 1
    assert result.metrics == result.baselines["ease"]
    # Taste groups are easy for an item-item model and invisible to popularity.
    assert result.baselines["ease"]["ndcg@100"] > result.baselines["popularity"]["ndcg@100"] + 0.1
    assert result.state["ease_b"].shape == (len(result.state["items"]),) * 2


def test_ease_baseline_skipped_above_the_item_limit():
    result = train({"model": "mult-dae", **SMALL, "epochs": 1, "ease_baseline_max_items": 20})
    assert set(result.baselines) == {"popularity"}
    assert result.config["ease_baseline"].startswith("skipped: 33 items > ease_baseline_max_items 20")
    # EASE itself is the model, not a baseline: the limit does not apply.
    assert "ease" in train({"model": "ease", "heldout_users": 10, "ease_baseline_max_items": 20}).baselines


def test_on_epoch_can_cancel():
    class Cancelled(Exception):
        pass

    def stop(entry: dict) -> None:
        if entry["epoch"] == 2:
            raise Cancelled

    with pytest.raises(Cancelled):
        train({"model": "mult-vae", **SMALL}, on_epoch=stop)


def test_recvae_trains():
    result = train({"model": "recvae", **SMALL, "epochs": 2, "encoder_epochs": 2})
    assert len(result.history) == 2 and set(result.metrics) == METRIC_KEYS


def test_config_from_dict():
    config = TrainConfig.from_dict({"epochs": 20.0, "lr": 1, "ease_lambda": None, "model": "mult-dae"})
    assert config.epochs == 20 and isinstance(config.epochs, int) and config.lr == 1.0
    assert TrainConfig.from_dict({}) == TrainConfig()
    assert TrainConfig.from_dict({"epochs": "10", "heldout_users": "null"}).epochs == 10  # form spellings
    for bad, key in [
        ({"epoch": 3}, "epoch"),
        ({"epochs": 2.5}, "epochs"),
        ({"epochs": "ten"}, "epochs"),
        ({"dropout": True}, "dropout"),
        ({"dropout": 1.0}, "dropout"),
        ({"model": "svd"}, "model"),
        ({"model": 3}, "model"),
        ({"lr": 0}, "lr"),
        ({"lr": float("inf")}, "lr"),
        ({"seed": None}, "seed"),
    ]:
        with pytest.raises(ConfigError, match=f"^{key}: ") as caught:
            TrainConfig.from_dict(bad)
        assert caught.value.field == key, bad
