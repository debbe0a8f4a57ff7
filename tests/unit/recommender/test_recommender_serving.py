"""serving.py: the NumPy forward pass equals torch's, precomputed lists equal fold-in, and no torch import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from apps.recommender.ml.config import TrainConfig
from apps.recommender.ml.models import csr_to_torch, model_build
from apps.recommender.ml.serving import ServingModel, foldin_inputs
from apps.recommender.ml.train import recommender_train

ROOT = Path(__file__).resolve().parents[3]
N_USERS, N_ITEMS = 90, 36
SMALL = {"hidden": 16, "latent": 8, "batch_size": 16, "epochs": 2, "heldout_users": 10, "encoder_epochs": 1}


def tiny_ratings(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three taste groups (high ratings inside, two low ones outside); items 33-35 unrated."""
    rng = np.random.default_rng(seed)
    users, items, ratings = [], [], []
    for u in range(N_USERS):
        liked = rng.choice(np.arange(11) + 11 * (u % 3), size=7, replace=False)
        disliked = rng.choice(np.setdiff1d(np.arange(33), liked), size=2, replace=False)
        for i, r in [*((i, rng.choice([4, 5])) for i in liked), *((i, rng.choice([1, 2])) for i in disliked)]:
            users.append(u), items.append(i), ratings.append(float(r))
    return np.array(users, np.int32), np.array(items, np.int32), np.array(ratings, np.float32)


@pytest.fixture(scope="module", params=["mult-vae", "mult-dae", "recvae", "ease"])
def trained(request):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    users, items, ratings = tiny_ratings()
    config = TrainConfig.from_dict({"model": request.param, **SMALL})
    result = recommender_train(users, items, ratings, N_USERS, N_ITEMS, config)
    torch.set_num_threads(before)
    return request.param, result, ServingModel.from_arrays(result.serving)


def torch_scores(name: str, result, inputs: np.ndarray) -> np.ndarray:
    """The trained model's own output (eval mode) for a user who liked `inputs`, over the catalogue."""
    kept = result.state["items"].numpy()
    row = np.zeros((1, len(kept)), dtype=np.float32)
    row[0, np.searchsorted(kept, inputs)] = 1.0
    full = np.full(N_ITEMS, -np.inf, dtype=np.float32)
    if name == "ease":
        full[kept] = row @ result.state["ease_b"].numpy()
        return full
    config = result.config
    model = model_build(name, len(kept), hidden=config["hidden"], latent=config["latent"], dropout=config["dropout"])
    model.load_state_dict(result.state["state_dict"])
    model.eval()
    import scipy.sparse as sp

    with torch.no_grad():
        full[kept] = model(csr_to_torch(sp.csr_matrix(row))).numpy()[0]
    return full


def test_foldin_equals_the_torch_forward_pass(trained):
    name, result, serving = trained
    for items, ratings in [([0, 3, 5, 12], [5, 4, 2, 5]), ([20, 21], [4.5, 4]), ([7], [5])]:
        inputs = foldin_inputs(np.array(items), np.array(ratings), serving.threshold, serving.known)
        expected = torch_scores(name, result, inputs)
        got = serving.scores_foldin(np.array(items), np.array(ratings))
        assert got.shape == (N_ITEMS,) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_precomputed_lists_equal_foldin(trained):
    _, _, serving = trained
    for user in range(0, N_USERS, 7):
        items, ratings = serving.history(user)
        top_items, top_scores = serving.topk_user(user, 10)
        fold_items, fold_scores = serving.recommend_foldin(items, ratings, 10)
        assert top_items.tolist() == fold_items.tolist()
        np.testing.assert_allclose(top_scores, fold_scores, rtol=1e-4, atol=1e-5)


def test_recommendations_exclude_rated_and_unknown_items(trained):
    _, _, serving = trained
    items, scores = serving.recommend_foldin(np.array([0, 1, 2, 30]), np.array([5, 5, 1, 4]), k=50)
    assert not {0, 1, 2, 30} & set(items.tolist()) and not {33, 34, 35} & set(items.tolist())
    assert len(items) == 33 - 4 and np.all(np.diff(scores) <= 0)


def test_foldin_without_positives_uses_every_rated_item(trained):
    _, _, serving = trained
    disliked = serving.scores_foldin(np.array([0, 4]), np.array([1.0, 2.0]))
    liked = serving.scores_foldin(np.array([0, 4]), np.array([5.0, 5.0]))
    np.testing.assert_array_equal(disliked, liked)
    # Nothing usable (only an item the model never saw): the popularity order.
    items, _ = serving.recommend_foldin(np.array([34]), np.array([5.0]), k=5)
    assert items.tolist() == serving.popular(5)[0].tolist()


def log_probabilities(serving: ServingModel, items: np.ndarray) -> np.ndarray:
    """log softmax of the fold-in scores over the known items (the neural models' multinomial)."""
    scores = serving.scores_foldin(items, np.full(len(items), 5.0)).astype(np.float64)
    known = scores[serving.known]
    return scores - known.max() - np.log(np.exp(known - known.max()).sum())


def test_similar_and_because(trained):
    name, _, serving = trained
    items, scores = serving.similar(3, 5)
    assert len(items) == 5 and 3 not in items and np.all(np.diff(scores) <= 0)
    np.testing.assert_allclose(scores, serving.similarity(np.array([3]), items)[0], rtol=1e-5, atol=1e-6)
    assert serving.similar(34, 5)[0].size == 0  # never rated: nothing to compare
    many, _ = serving.similar(3, 80)  # beyond the precomputed neighbours: computed on the fly
    assert many[:5].tolist() == items.tolist() and len(many) == 32

    history = np.array([0, 1, 2, 25])
    recs = np.array([5, 6, 30])
    reasons = serving.because(history, recs, n=2)
    assert len(reasons) == 3
    # The reference, through the public fold-in: what each liked item adds to each recommended item's
    # score (x·B is linear: the score difference) or log-probability (neural: leave one out).
    score = (
        (lambda items: serving.scores_foldin(items, np.full(len(items), 5.0)))
        if name == "ease"
        else (lambda items: log_probabilities(serving, items))
    )
    full = score(history)
    terms = np.array([full[recs] - score(np.delete(history, i))[recs] for i in range(len(history))]).T
    np.testing.assert_allclose(serving.contributions(history, recs), terms, rtol=1e-3, atol=1e-4)
    for row, reason in zip(terms, reasons, strict=True):
        assert len(reason) <= 2 and set(reason) <= set(history.tolist())
        expected = [int(history[j]) for j in np.argsort(-row, kind="stable")[:2] if row[j] > 0]
        assert reason == expected


def test_save_and_load_keep_extra_arrays(trained, tmp_path):
    _, result, serving = trained
    path = tmp_path / "serving.npz"
    np.savez(path, **result.serving, db_item_ids=np.arange(N_ITEMS) + 100)
    loaded = ServingModel.load(path)
    assert loaded.model == serving.model and loaded.arrays["db_item_ids"][0] == 100
    np.testing.assert_array_equal(
        loaded.scores_foldin(np.array([1]), np.array([5])), serving.scores_foldin(np.array([1]), np.array([5]))
    )


def test_bad_arrays_are_refused(trained):
    _, result, _ = trained
    broken = dict(result.serving)
    del broken["topk_items"]
    with pytest.raises(ValueError, match="topk_items"):
        ServingModel.from_arrays(broken)
    with pytest.raises(IndexError):
        ServingModel.from_arrays(result.serving).topk_user(N_USERS, 5)


def test_web_modules_do_not_import_torch():
    """serving (and what the web uses to import data and check configs) must not pull in torch."""
    code = (
        "import sys\n"
        "import apps.recommender.ml.serving, apps.recommender.ml.readers, apps.recommender.ml.config\n"
        "import apps.recommender.ml.protocol, apps.recommender.ml.metrics, apps.recommender.ml.ease\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.'))[:3])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_item_indices_outside_the_catalogue_are_refused(trained):
    _, _, serving = trained
    with pytest.raises(IndexError):
        serving.recommend_foldin(np.array([N_ITEMS]), np.array([5.0]), 5)
