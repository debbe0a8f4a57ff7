"""DLAE and EDLAE (Steck, NeurIPS 2020, "Autoencoders that don't overfit towards the identity").

Both are closed-form item-item linear autoencoders like EASE, trained as if each input entry
were dropped out with probability p. Marginalising the dropout turns it into an L2 penalty
that grows with each item's popularity:

    Λ = p / (1 - p) · diagMat(diag(XᵀX)) + λI,   P = (XᵀX + Λ)⁻¹

- DLAE (denoising linear autoencoder, full rank): B = P · XᵀX = I - P·Λ. Its diagonal is not
  forced to zero: the penalty alone keeps B away from the identity.
- EDLAE (emphasised DLAE, full emphasis on the dropped-out entries, full rank): the loss
  counts only the entries that were dropped, so an item never predicts itself; the closed
  form is EASE's with Λ in place of λI: B = I - P · diagMat(1 / diag(P)), diag(B) = 0.

p = 0 gives ridge regression (DLAE) and EASE (EDLAE). p and λ are chosen on validation users
(`closed_form_select`), with the same grids whatever the data set. NumPy only: the web serves
the exported B through EASE's item-item path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from apps.recommender.ml.ease import LAMBDA_GRID, ease_from_gram, ease_gram, ease_scores
from apps.recommender.ml.metrics import ndcg_at_k, seen_exclude
from apps.recommender.ml.serving import scores_blend

# Light to heavy dropout; λ: a constant on top of the popularity-scaled penalty, from almost none up
# to EASE's own range. The same grids for every data set.
DROPOUT_GRID = (0.1, 0.25, 0.33, 0.5, 0.67, 0.75)
DENOISING_LAMBDA_GRID = (1.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
DROPOUT_START = 0.33  # where the coordinate search starts: the middle of the grid


def dlae_penalty(gram: np.ndarray, p: float, lam: float) -> np.ndarray:
    """The diagonal of Λ: p/(1-p) · diag(XᵀX) + λ (one value per item)."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout p must be in [0, 1), got {p}")
    if lam <= 0:
        raise ValueError(f"lambda must be > 0, got {lam}")
    return (p / (1.0 - p)) * np.diag(gram).astype(np.float64) + lam


def _penalised_inverse(gram: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    G = np.array(gram, dtype=np.float64, order="C")
    G[np.diag_indices_from(G)] += penalty
    # LU inverse, as EASE: the Cholesky route ran much slower at times on these machines.
    return np.linalg.inv(G)


def dlae_from_gram(gram: np.ndarray, p: float, lam: float) -> np.ndarray:
    """DLAE's B = I - P·Λ (float32, diagonal kept)."""
    penalty = dlae_penalty(gram, p, lam)
    B = -_penalised_inverse(gram, penalty) * penalty[None, :]
    B[np.diag_indices_from(B)] += 1.0
    return B.astype(np.float32)


def edlae_from_gram(gram: np.ndarray, p: float, lam: float) -> np.ndarray:
    """EDLAE's B = I - P·diagMat(1/diag(P)) (float32, zero diagonal)."""
    P = _penalised_inverse(gram, dlae_penalty(gram, p, lam))
    B = P / (-np.diag(P))[None, :]
    B[np.diag_indices_from(B)] = 0.0
    return B.astype(np.float32)


def closed_form_from_gram(model: str, gram: np.ndarray, p: float, lam: float) -> np.ndarray:
    """B of "ease" (p ignored), "dlae" or "edlae"."""
    if model == "ease":
        return ease_from_gram(gram, lam)
    if model == "dlae":
        return dlae_from_gram(gram, p, lam)
    if model == "edlae":
        return edlae_from_gram(gram, p, lam)
    raise ValueError(f"no closed-form model named {model!r}")


def validation_ndcg(B: np.ndarray, val_tr: sp.csr_matrix, val_te: sp.csr_matrix, k: int = 100) -> float:
    scores = seen_exclude(ease_scores(val_tr, B), val_tr)
    return float(np.nanmean(ndcg_at_k(scores, val_te, k)))


def closed_form_select(
    model: str,
    train: sp.csr_matrix,
    val_tr: sp.csr_matrix,
    val_te: sp.csr_matrix,
    *,
    dropouts: Sequence[float] = DROPOUT_GRID,
    lambdas: Sequence[float] | None = None,
    p: float | None = None,
    lam: float | None = None,
    gram: np.ndarray | None = None,
    k: int = 100,
) -> tuple[dict[str, float], np.ndarray, dict[str, float]]:
    """({"p", "lambda", "validation_ndcg"}, B, every tried setting's validation NDCG@k).

    A setting passed in (`p`, `lam`) is kept; the others are searched one coordinate at a
    time — λ at the start p, then p at that λ, then λ again — about 15 inversions instead of
    the full grid's 36, which on a few thousand items is the difference between a minute and
    several. EASE has no p: its λ alone is searched (over EASE's grid).
    """
    if lambdas is None:
        lambdas = LAMBDA_GRID if model == "ease" else DENOISING_LAMBDA_GRID
    gram = ease_gram(train) if gram is None else gram
    table: dict[tuple[float, float], float] = {}
    best: list = [-np.inf, 0.0, 0.0, None]  # ndcg, p, λ, B

    def evaluate(p_: float, lam_: float) -> float:
        key = (0.0 if model == "ease" else float(p_), float(lam_))
        if key not in table:
            B = closed_form_from_gram(model, gram, *key)
            ndcg = validation_ndcg(B, val_tr, val_te, k)
            table[key] = ndcg
            if ndcg > best[0]:  # only the best B is kept: each is items x items
                best[:] = [ndcg, key[0], key[1], B]
        return table[key]

    def search(values: Sequence[float], at: Callable[[float], tuple[float, float]]) -> float:
        scores = [evaluate(*at(v)) for v in values]
        return float(values[int(np.argmax(scores))])

    p_now = 0.0 if model == "ease" else (p if p is not None else DROPOUT_START)
    lam_now = lam if lam is not None else search(lambdas, lambda v: (p_now, v))
    if model != "ease" and p is None:
        p_now = search(dropouts, lambda v: (v, lam_now))
        if lam is None:
            lam_now = search(lambdas, lambda v: (p_now, v))
    evaluate(p_now, lam_now)  # both given: one fit
    ndcg, best_p, best_lam, B = best
    chosen = {"p": best_p, "lambda": best_lam, "validation_ndcg": float(ndcg)}
    tried = {f"p={key[0]:g},lambda={key[1]:g}": value for key, value in table.items()}
    return chosen, B, tried


BLEND_WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))


def blend_weight_select(
    item_item: np.ndarray,
    neural: np.ndarray,
    val_tr: sp.csr_matrix,
    val_te: sp.csr_matrix,
    weights: Sequence[float] = BLEND_WEIGHTS,
    k: int = 100,
) -> tuple[float, dict[float, float]]:
    """The weight w of the item-item scores in `scores_blend` with the best validation NDCG@k, and every
    weight's NDCG. The grid holds 0 and 1, so the blend is never chosen worse on validation than either part."""
    table = {
        float(w): float(np.nanmean(ndcg_at_k(seen_exclude(scores_blend(item_item, neural, w), val_tr), val_te, k)))
        for w in weights
    }
    best = max(table, key=lambda w: table[w])
    return best, table
