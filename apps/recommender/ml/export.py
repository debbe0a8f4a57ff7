"""From a trained model to the arrays `serving.ServingModel` reads (see serving.py for the format).

Runs in the worker after training: the weights go from the model's columns (items kept by
the split) to the whole catalogue, and every data-set user's top items are precomputed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
import torch

from apps.recommender.ml.models import MultDAE, RecVAE, csr_to_torch
from apps.recommender.ml.serving import NEIGHBORS, SERVING_FORMAT, TOPK, neighbors_compute, topk_rows

ScoreFn = Callable[[sp.csr_matrix], np.ndarray]  # binary rows over the kept items → their scores


def _to_catalogue_rows(values: np.ndarray, items: np.ndarray, n_items: int) -> np.ndarray:
    full = np.zeros((n_items, *values.shape[1:]), dtype=np.float32)
    full[items] = values
    return full


def neural_arrays(model: MultDAE | RecVAE, items: np.ndarray, n_items: int) -> dict[str, np.ndarray]:
    """Weights as (in, out) float32 arrays over the whole catalogue (unseen items: zero rows)."""

    def np32(t: torch.Tensor) -> np.ndarray:
        return t.detach().cpu().numpy().astype(np.float32)

    arrays: dict[str, np.ndarray] = {}
    if isinstance(model, RecVAE):
        enc = model.encoder
        weights = [(np32(enc.input.weight), np32(enc.input.bias))]
        weights += [(np32(layer.weight).T, np32(layer.bias)) for layer in enc.layers]
        weights.append((np32(enc.mu.weight).T, np32(enc.mu.bias)))
        for i, norm in enumerate(enc.norms):
            arrays[f"ln_g{i}"], arrays[f"ln_b{i}"] = np32(norm.weight), np32(norm.bias)
        arrays["ln_eps"] = np.array(float(enc.norms[0].eps))
        arrays["arch"] = np.array("recvae")
        decoder = [model.decoder]
    else:
        weights = [(np32(model.input.weight), np32(model.input.bias))]
        weights += [(np32(layer.weight).T, np32(layer.bias)) for layer in model.encoder]
        if model.variational:  # the last encoder layer's first half is the mean: all serving needs
            w, b = weights[-1]
            weights[-1] = (w[:, : model.latent], b[: model.latent])
        arrays["arch"] = np.array("mlp-tanh")
        arrays["enc_last_tanh"] = np.array(not model.variational)
        decoder = list(model.decoder)
    weights[0] = (_to_catalogue_rows(weights[0][0], items, n_items), weights[0][1])
    for i, (w, b) in enumerate(weights):
        arrays[f"enc_w{i}"], arrays[f"enc_b{i}"] = np.ascontiguousarray(w), b
    for i, layer in enumerate(decoder):
        w, b = np32(layer.weight).T, np32(layer.bias)
        if i == len(decoder) - 1:
            w = _to_catalogue_rows(w.T, items, n_items).T
            b = _to_catalogue_rows(b, items, n_items)
        arrays[f"dec_w{i}"], arrays[f"dec_b{i}"] = np.ascontiguousarray(w), b
    embeddings = np32(model.output_embeddings())
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    arrays["item_embeddings"] = _to_catalogue_rows(embeddings / np.maximum(norms, 1e-12), items, n_items)
    return arrays


def ease_arrays(B: np.ndarray, items: np.ndarray, n_items: int) -> dict[str, np.ndarray]:
    full = np.zeros((n_items, n_items), dtype=np.float32)
    full[np.ix_(items, items)] = B
    return {"ease_b": full}


def neural_score_fn(model: torch.nn.Module, device: str) -> ScoreFn:
    def score(rows: sp.csr_matrix) -> np.ndarray:
        model.eval()
        with torch.no_grad():
            return model(csr_to_torch(rows, device)).float().cpu().numpy()

    return score


def foldin_matrix(history: sp.csr_matrix, threshold: float, known: np.ndarray) -> sp.csr_matrix:
    """Binary fold-in rows for every user, by the rule of `serving.foldin_inputs`, applied to all at once."""
    history = history.tocsr()
    rows = np.repeat(np.arange(history.shape[0]), np.diff(history.indptr))
    usable = known[history.indices]
    positive = usable & (history.data > threshold)
    has_positive = np.bincount(rows[positive], minlength=history.shape[0]) > 0
    take = positive | (usable & ~has_positive[rows])
    matrix = sp.csr_matrix(
        (np.ones(int(take.sum()), dtype=np.float32), (rows[take], history.indices[take])), shape=history.shape
    )
    matrix.sort_indices()
    return matrix


def users_topk(
    score_fn: ScoreFn,
    history: sp.csr_matrix,
    *,
    items: np.ndarray,
    threshold: float,
    known: np.ndarray,
    popularity: np.ndarray,
    k: int = TOPK,
    batch_size: int = 1000,
) -> tuple[np.ndarray, np.ndarray]:
    """Every user's k best items over the catalogue, folded in from their whole history, never a rated item."""
    n_users, n_items = history.shape
    inputs = foldin_matrix(history, threshold, known)[:, items].tocsr()  # columns: the model's items
    has_input = np.diff(inputs.indptr) > 0
    top_items = np.full((n_users, k), -1, dtype=np.int32)
    top_scores = np.full((n_users, k), -np.inf, dtype=np.float32)
    for start in range(0, n_users, batch_size):
        stop = min(n_users, start + batch_size)
        scores = np.tile(popularity.astype(np.float32), (stop - start, 1))
        with_input = np.flatnonzero(has_input[start:stop])
        if len(with_input):
            scores[with_input[:, None], items[None, :]] = score_fn(inputs[start + with_input])
        scores[:, ~known] = -np.inf
        batch = history[start:stop]
        scores[np.repeat(np.arange(stop - start), np.diff(batch.indptr)), batch.indices] = -np.inf
        top_items[start:stop], top_scores[start:stop] = topk_rows(scores, k)
    return top_items, top_scores


def serving_arrays_build(
    model_arrays: dict[str, np.ndarray],
    score_fn: ScoreFn,
    *,
    model_name: str,
    items: np.ndarray,
    user_index: np.ndarray,
    item_index: np.ndarray,
    rating: np.ndarray,
    n_users: int,
    n_items: int,
    threshold: float,
    batch_size: int = 1000,
) -> dict[str, np.ndarray]:
    """Everything `ServingModel` needs: model arrays, histories, every user's top items, neighbours."""
    from apps.recommender.ml.serving import ServingModel

    history = sp.csr_matrix(
        (np.asarray(rating, dtype=np.float32), (np.asarray(user_index), np.asarray(item_index))),
        shape=(n_users, n_items),
    )
    history.sum_duplicates()  # the readers keep one rating per pair; this only guards other callers
    history.sort_indices()
    known = np.zeros(n_items, dtype=bool)
    known[items] = True
    positives = history.data > threshold
    popularity = np.bincount(history.indices[positives], minlength=n_items).astype(np.float32)
    top_items, top_scores = users_topk(
        score_fn, history, items=items, threshold=threshold, known=known, popularity=popularity,
        batch_size=batch_size,
    )  # fmt: skip
    arrays = {
        "format_version": np.array(SERVING_FORMAT),
        "model": np.array(model_name),
        "threshold": np.array(float(threshold)),
        "n_users": np.array(n_users),
        "n_items": np.array(n_items),
        "item_known": known,
        "popularity": popularity,
        "topk_items": top_items,
        "topk_scores": top_scores,
        "history_indptr": history.indptr.astype(np.int64),
        "history_indices": history.indices.astype(np.int32),
        "history_ratings": history.data.astype(np.float32),
        "neighbors_items": np.full((n_items, NEIGHBORS), -1, dtype=np.int32),
        "neighbors_scores": np.full((n_items, NEIGHBORS), -np.inf, dtype=np.float32),
        **model_arrays,
    }
    # The neighbours use the very similarity `ServingModel` serves, so the two always agree.
    serving = ServingModel.from_arrays(arrays)
    arrays["neighbors_items"], arrays["neighbors_scores"] = neighbors_compute(serving.similarity, known)
    return arrays
