"""Recommendations at request time from the arrays the trainer exports. NumPy ONLY.

The web process imports this module; it must never import torch (directly or through
another module), so it imports nothing but NumPy and the standard library.

The arrays (saved with `np.savez` next to the checkpoint; extra keys are kept and ignored):

| key | shape, dtype | what |
| --- | --- | --- |
| `format_version` | (), int | SERVING_FORMAT |
| `model` | (), str | "mult-vae", "mult-dae", "recvae", or an item-item model: "ease", "dlae", "edlae" |
| `threshold` | (), float | ratings above it are positives (fold-in input) |
| `n_users`, `n_items` | (), int | the data set's users and items (whole catalogue) |
| `item_known` | (n_items,), bool | items the model was trained on; others are never scored |
| `popularity` | (n_items,), float32 | positives per item, the fallback for an empty history |
| `topk_items`, `topk_scores` | (n_users, TOPK), int32 / float32 | each data-set user's best items, -1 padded |
| `history_indptr`, `history_indices`, `history_ratings` | csr of every rating | per-user histories |
| `neighbors_items`, `neighbors_scores` | (n_items, NEIGHBORS) | most similar items (`similarity`), -1 padded |
| neural models: `enc_w{i}`, `enc_b{i}`, `dec_w{i}`, `dec_b{i}` | (in, out) weights | the forward pass |
| `arch` | (), str | "mlp-tanh" (Mult-VAE/DAE) or "recvae" |
| mlp-tanh: `enc_last_tanh` | (), bool | tanh on the latent code (Mult-DAE) or not (Mult-VAE: the mean) |
| recvae: `ln_g{i}`, `ln_b{i}`, `ln_eps` | | the encoder's layer norms |
| neural: `item_embeddings` | (n_items, d), float32 | unit-norm output weights (part of the similarity) |
| item-item: `ease_b` | (n_items, n_items), float32 | B (EASE, DLAE or EDLAE), scored as x·B |
| ensemble: `ease_b`, neural keys, `blend_weight` | | w·unit(x·B) + (1-w)·unit(neural logits); similarity from B |

Format 1 (before the similarity below) still loads: its neighbours are recomputed on load.

Item indices are positions in the data set's catalogue (0..n_items-1), user indices
positions in its user list, as `readers.RatingsData` numbers them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

# 2: neighbours by the popularity-corrected similarity of `ServingModel.similarity`. Format 1 files
# (neighbours by (B + Bᵀ)/2 or raw output-embedding cosine) load with their neighbours recomputed.
SERVING_FORMAT = 2
FORMATS_READ = (1, 2)
TOPK = 100
NEIGHBORS = 50
NEURAL_MODELS = ("mult-vae", "mult-dae", "recvae")
# Scored as x · B, whatever closed form made B (DLAE keeps a diagonal: rated items are excluded anyway).
ITEM_ITEM_MODELS = ("ease", "dlae", "edlae")
# EDLAE's and a neural model's scores blended with a weight chosen on validation users.
ENSEMBLE = "ensemble"
COMMON_KEYS = (
    "format_version", "model", "threshold", "n_users", "n_items", "item_known", "popularity",
    "topk_items", "topk_scores", "history_indptr", "history_indices", "history_ratings",
    "neighbors_items", "neighbors_scores",
)  # fmt: skip


def foldin_inputs(item_indices: np.ndarray, ratings: np.ndarray, threshold: float, known: np.ndarray) -> np.ndarray:
    """The items a fold-in reads: the positives (rating > threshold) the model knows, or, with
    none, every known rated item (a visitor who rated only what they disliked still gets a
    profile). Sorted, distinct."""
    items = np.asarray(item_indices, dtype=np.int64).ravel()
    ratings = np.asarray(ratings, dtype=np.float64).ravel()
    if items.shape != ratings.shape:
        raise ValueError(f"{len(items)} items but {len(ratings)} ratings")
    if len(items) and (items.min() < 0 or items.max() >= len(known)):
        raise IndexError(f"item indices must lie in 0..{len(known) - 1}")
    usable = known[items]
    chosen = items[usable & (ratings > threshold)]
    if not len(chosen):
        chosen = items[usable]
    return np.unique(chosen)


def scores_blend(item_item: np.ndarray, neural: np.ndarray, weight: float) -> np.ndarray:
    """w · a + (1 - w) · b with each row of a and b scaled to unit length first: the two models' scores
    live on unrelated scales, and the norm makes the weight mean the same for every user."""

    def unit(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), np.float32(1e-12))

    return np.float32(weight) * unit(item_item) + np.float32(1.0 - weight) * unit(neural)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), np.float32(1e-12))


def topk_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row the k best finite scores, best first, equal scores in item order; -1 / -inf padding."""
    k_eff = min(k, scores.shape[1])
    # A full stable sort, so ties fall in item order exactly as ServingModel's request-time top-k.
    items = np.argsort(-scores, axis=1, kind="stable")[:, :k_eff].astype(np.int32)
    values = np.take_along_axis(scores, items, axis=1).astype(np.float32)
    items[~np.isfinite(values)] = -1
    out_items = np.full((scores.shape[0], k), -1, dtype=np.int32)
    out_values = np.full((scores.shape[0], k), -np.inf, dtype=np.float32)
    out_items[:, :k_eff], out_values[:, :k_eff] = items, values
    out_values[out_items < 0] = -np.inf
    return out_items, out_values


def neighbors_compute(
    similarity: Callable[[np.ndarray, np.ndarray], np.ndarray],
    known: np.ndarray,
    k: int = NEIGHBORS,
    chunk: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Each item's k most similar known items (itself excluded); unknown items get none."""
    n_items = len(known)
    out_items = np.full((n_items, k), -1, dtype=np.int32)
    out_scores = np.full((n_items, k), -np.inf, dtype=np.float32)
    all_items = np.arange(n_items)
    known_items = np.flatnonzero(known)
    for start in range(0, len(known_items), chunk):
        rows = known_items[start : start + chunk]
        sims = np.array(similarity(rows, all_items), dtype=np.float32)
        sims[:, ~known] = -np.inf
        sims[np.arange(len(rows)), rows] = -np.inf
        out_items[rows], out_scores[rows] = topk_rows(sims, k)
    return out_items, out_scores


def _swish(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gain + bias


def _topk(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best finite scores, best first; equal scores in item order (as the trainer's lists)."""
    finite = np.flatnonzero(np.isfinite(scores))
    k = min(k, len(finite))
    if k <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    values = scores[finite]
    kth = values[np.argpartition(-values, k - 1)[k - 1]]
    # Every item tied with the k-th is a candidate, so ties are broken by item index, not by chance.
    candidates = np.flatnonzero(values >= kth)
    order = candidates[np.lexsort((candidates, -values[candidates]))][:k]
    return finite[order].astype(np.int64), values[order].astype(np.float32)


class ServingModel:
    """A trained recommender as NumPy arrays: fold-in, precomputed top-k, similar items, reasons."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.arrays = {key: np.asarray(value) for key, value in arrays.items()}
        missing = [key for key in COMMON_KEYS if key not in self.arrays]
        if missing:
            raise ValueError(f"serving arrays lack {', '.join(missing)}")
        version = int(self.arrays["format_version"])
        if version not in FORMATS_READ:
            raise ValueError(f"serving arrays have format {version}; this code reads {FORMATS_READ}")
        self.model = str(self.arrays["model"])
        self.threshold = float(self.arrays["threshold"])
        self.n_users = int(self.arrays["n_users"])
        self.n_items = int(self.arrays["n_items"])
        self.known = self.arrays["item_known"].astype(bool)
        if self.known.shape != (self.n_items,):
            raise ValueError(f"item_known has shape {self.known.shape}, expected ({self.n_items},)")
        if self.model not in (*NEURAL_MODELS, *ITEM_ITEM_MODELS, ENSEMBLE):
            raise ValueError(f"unknown model {self.model!r} in serving arrays")
        if self.model in NEURAL_MODELS or self.model == ENSEMBLE:
            self.arch = str(self.arrays["arch"])
            self._enc = self._layers("enc")
            self._dec = self._layers("dec")
            embeddings = self.arrays["item_embeddings"].astype(np.float32)
            self._embeddings = embeddings
        if self.model in ITEM_ITEM_MODELS or self.model == ENSEMBLE:
            self._ease = self.arrays["ease_b"].astype(np.float32)
            if self._ease.shape != (self.n_items, self.n_items):
                raise ValueError(f"ease_b has shape {self._ease.shape}, expected {(self.n_items, self.n_items)}")
        if self.model == ENSEMBLE:
            self.blend_weight = float(self.arrays["blend_weight"])
        self._features: np.ndarray | None = None
        if version < SERVING_FORMAT:  # older neighbours came from the old similarity: once per loaded version
            self.arrays["neighbors_items"], self.arrays["neighbors_scores"] = neighbors_compute(
                self.similarity, self.known, k=self.arrays["neighbors_items"].shape[1]
            )

    def _layers(self, prefix: str) -> list[tuple[np.ndarray, np.ndarray]]:
        layers = []
        while f"{prefix}_w{len(layers)}" in self.arrays:
            i = len(layers)
            layers.append((self.arrays[f"{prefix}_w{i}"].astype(np.float32), self.arrays[f"{prefix}_b{i}"]))
        if not layers:
            raise ValueError(f"serving arrays lack {prefix}_w0")
        return layers

    @classmethod
    def from_arrays(cls, d: Mapping[str, np.ndarray]) -> ServingModel:
        return cls(d)

    @classmethod
    def load(cls, path: Path | str) -> ServingModel:
        with np.load(path, allow_pickle=False) as npz:
            return cls({key: npz[key] for key in npz.files})

    # --- scoring -----------------------------------------------------------------------------

    def _logits(self, inputs: np.ndarray) -> np.ndarray:
        """The model's forward pass for one user whose (binary) input items are `inputs`."""
        if self.model in ITEM_ITEM_MODELS:
            return self._ease[inputs].sum(axis=0)
        if self.model == ENSEMBLE:
            return scores_blend(self._ease[inputs].sum(axis=0), self._neural_logits(inputs), self.blend_weight)
        return self._neural_logits(inputs)

    def _neural_logits(self, inputs: np.ndarray) -> np.ndarray:
        w0, b0 = self._enc[0]
        # The L2-normalised binary row times W0 is the sum of the rows read, over sqrt(count).
        return self._neural_forward(w0[inputs].sum(axis=0) / np.float32(np.sqrt(len(inputs))) + b0)

    def _neural_forward(self, h: np.ndarray) -> np.ndarray:
        """Logits from the first layer's pre-activation h (one row, or a batch of rows)."""
        if self.arch == "recvae":
            eps = float(self.arrays["ln_eps"])
            h = _layer_norm(_swish(h), self.arrays["ln_g0"], self.arrays["ln_b0"], eps)
            total = h
            for i, (w, b) in enumerate(self._enc[1:-1], start=1):
                h = _layer_norm(_swish(h @ w + b + total), self.arrays[f"ln_g{i}"], self.arrays[f"ln_b{i}"], eps)
                total = total + h
            w, b = self._enc[-1]
            h = h @ w + b
        else:
            for w, b in self._enc[1:]:
                h = np.tanh(h) @ w + b
            if bool(self.arrays["enc_last_tanh"]):
                h = np.tanh(h)
        for i, (w, b) in enumerate(self._dec):
            h = h @ w + b
            if i < len(self._dec) - 1:
                h = np.tanh(h) if self.arch != "recvae" else _swish(h)
        return h

    def scores_foldin(self, item_indices: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        """Scores of every item (n_items, float32) for someone with these ratings; higher is better.

        Items the model never saw in training score -inf. With no usable rating, the scores are
        the items' popularity."""
        inputs = foldin_inputs(item_indices, ratings, self.threshold, self.known)
        if len(inputs):
            scores = np.asarray(self._logits(inputs), dtype=np.float32).copy()
        else:
            scores = self.arrays["popularity"].astype(np.float32).copy()
        scores[~self.known] = -np.inf
        return scores

    def recommend_foldin(self, item_indices: np.ndarray, ratings: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k best items for someone with these ratings, never an item they rated."""
        scores = self.scores_foldin(item_indices, ratings)
        scores[np.asarray(item_indices, dtype=np.int64)] = -np.inf
        return _topk(scores, k)

    def topk_user(self, user_index: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """A data-set user's k best items (k <= TOPK), computed at training time."""
        self._user_check(user_index)
        items = self.arrays["topk_items"][user_index]
        keep = items >= 0
        return items[keep][:k].astype(np.int64), self.arrays["topk_scores"][user_index][keep][:k]

    def history(self, user_index: int) -> tuple[np.ndarray, np.ndarray]:
        """A data-set user's rated items and ratings."""
        self._user_check(user_index)
        indptr = self.arrays["history_indptr"]
        start, end = int(indptr[user_index]), int(indptr[user_index + 1])
        return (
            self.arrays["history_indices"][start:end].astype(np.int64),
            self.arrays["history_ratings"][start:end],
        )

    def _user_check(self, user_index: int) -> None:
        if not 0 <= user_index < self.n_users:
            raise IndexError(f"user index {user_index} outside 0..{self.n_users - 1}")

    # --- similarity --------------------------------------------------------------------------

    def _similarity_features(self) -> np.ndarray:
        """Rows whose dot products are the item similarities (computed once, on first use).

        Chosen by benchmarks/recommender_similar.py on ML-100K (genre overlap of the top 10 with a floor
        on held-out co-rating) over (B + Bᵀ)/2 and raw embedding cosine, which favoured popular items:
        - item-item models: cosine of the rows of B⁺ = max(B, 0), two items alike when they raise the
          same items' scores (a popular item raises many items a little, so it no longer wins alone);
        - neural models: cosine of the output and input embeddings, each centred on the known items'
          mean first (the mean is the direction every popular item shares).
        Items the model never saw get zero rows."""
        if self._features is None:
            if self.model in ITEM_ITEM_MODELS or self.model == ENSEMBLE:
                features = np.maximum(self._ease, np.float32(0.0))
            else:
                parts = [self._embeddings, self._enc[0][0]]
                features = np.hstack([_unit_rows(p - p[self.known].mean(axis=0)) for p in parts])
            features = _unit_rows(features)
            features[~self.known] = 0.0
            self._features = features.astype(np.float32)
        return self._features

    def similarity(self, a_items: np.ndarray, b_items: np.ndarray) -> np.ndarray:
        """(len(a), len(b)) item-item similarities in [-1, 1] (see `_similarity_features`)."""
        features = self._similarity_features()
        return features[np.asarray(a_items, dtype=np.int64)] @ features[np.asarray(b_items, dtype=np.int64)].T

    def similar(self, item_index: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k items most similar to this one (itself excluded); none for an item the model never saw."""
        if not 0 <= item_index < self.n_items:
            raise IndexError(f"item index {item_index} outside 0..{self.n_items - 1}")
        if k <= self.arrays["neighbors_items"].shape[1]:
            items = self.arrays["neighbors_items"][item_index]
            keep = items >= 0
            return items[keep][:k].astype(np.int64), self.arrays["neighbors_scores"][item_index][keep][:k]
        if not self.known[item_index]:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores = self.similarity(np.array([item_index]), np.arange(self.n_items))[0].astype(np.float32)
        scores[~self.known] = -np.inf
        scores[item_index] = -np.inf
        return _topk(scores, k)

    def contributions(self, inputs: np.ndarray, rec_items: np.ndarray) -> np.ndarray:
        """(len(recs), len(inputs)): how much each input item adds to each recommended item's score.

        Item-item models score j as x·B with a binary x, so item i adds exactly B[i, j]. Neural
        models: leave-one-out, exact and batched — the log-probability of j with every input minus
        the same without item i (one forward pass per input item, all in one matrix product). The
        log-softmax, not the raw logit: removing an item shifts every logit by a common amount, and
        that shift would otherwise make the same few items the reason for everything. Ensemble: the
        two parts' contributions, each scaled as `scores_blend` scales its part, blended by its weight.
        """
        inputs = np.asarray(inputs, dtype=np.int64)
        recs = np.asarray(rec_items, dtype=np.int64)
        if self.model in ITEM_ITEM_MODELS:
            return self._ease[np.ix_(inputs, recs)].T.astype(np.float32)
        neural = self._neural_leave_one_out(inputs, recs)
        if self.model != ENSEMBLE:
            return neural
        item_item = self._ease[np.ix_(inputs, recs)].T
        full_ii = np.linalg.norm(self._ease[inputs].sum(axis=0))
        full_nn = np.linalg.norm(self._neural_logits(inputs))
        w = np.float32(self.blend_weight)
        return (w * item_item / max(full_ii, 1e-12) + (1 - w) * neural / max(full_nn, 1e-12)).astype(np.float32)

    def _neural_leave_one_out(self, inputs: np.ndarray, recs: np.ndarray) -> np.ndarray:
        w0, b0 = self._enc[0]
        rows = w0[inputs]
        m = len(inputs)
        total = rows.sum(axis=0)
        # Row 0: every input; row 1 + i: all but input i (none left: the empty row's forward pass).
        first = np.vstack([total / np.float32(np.sqrt(m)), (total - rows) / np.float32(np.sqrt(max(m - 1, 1)))])
        logits = self._neural_forward(first + b0)[:, self.known]
        top = logits.max(axis=1, keepdims=True)
        log_norm = top + np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
        column = np.cumsum(self.known) - 1  # catalogue index → column among the known items
        log_p = logits[:, column[recs]] - log_norm
        return (log_p[0][:, None] - log_p[1:].T).astype(np.float32)

    def because(self, history_items: np.ndarray, rec_items: np.ndarray, n: int = 3) -> list[list[int]]:
        """For each recommended item, up to n history items that add most to its score (`contributions`
        > 0), best first: the reasons differ per item because each item's score has its own sources.

        `history_items` are the liked items the fold-in read. Equal contributions keep history order;
        a recommended item is never its own reason, and an item the model never saw is never one."""
        history = np.asarray(history_items, dtype=np.int64)
        history = history[self.known[history]] if len(history) else history
        history = history[np.sort(np.unique(history, return_index=True)[1])]  # distinct, in history order
        recs = np.asarray(rec_items, dtype=np.int64)
        if not len(history) or not len(recs) or n <= 0:
            return [[] for _ in range(len(recs))]
        values = np.array(self.contributions(history, recs), dtype=np.float32)
        values[recs[:, None] == history[None, :]] = -np.inf
        order = np.argsort(-values, axis=1, kind="stable")[:, :n]  # stable: ties in history order
        best = np.take_along_axis(values, order, axis=1)
        return [
            [int(history[j]) for j, v in zip(row, vals, strict=True) if v > 0]
            for row, vals in zip(order.tolist(), best.tolist(), strict=True)
        ]

    def popular(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self.arrays["popularity"].astype(np.float32).copy()
        scores[~self.known] = -np.inf
        return _topk(scores, k)
