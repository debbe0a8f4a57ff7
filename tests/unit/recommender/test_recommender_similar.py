"""ServingModel.similarity (popularity-corrected) and the neighbours of older serving files."""

from __future__ import annotations

import numpy as np
import pytest

from apps.recommender.ml.serving import ServingModel, neighbors_compute
from tests.unit.recommender.web_fixtures import ease_model


def test_item_item_similarity_is_the_cosine_of_positive_rows_by_hand():
    """Item 0 is "popular": it adds 0.5 to every item. With (B + Bᵀ)/2, item 1's neighbours were 3, 0, 2
    (0.8, 0.5, 0.4); by the cosine of B⁺'s rows, item 2, which raises the same items as 1, comes first."""
    b = np.array(
        [
            [0.0, 0.5, 0.5, 0.5, 0.5],
            [0.5, 0.0, 0.4, 0.8, -0.3],
            [0.5, 0.4, 0.0, 0.8, 0.0],
            [0.5, 0.8, 0.8, 0.0, 0.0],
            [0.5, -0.3, 0.0, 0.0, 0.0],
        ],
        dtype=np.float32,
    )
    model = ease_model(b)
    rows = np.maximum(b, 0)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    np.testing.assert_allclose(model.similarity(np.arange(5), np.arange(5)), rows @ rows.T, rtol=1e-6)
    # item 1's row (0.5, 0, 0.4, 0.8, 0) against item 2's (0.5, 0.4, 0, 0.8, 0) and item 0's (0, .5, .5, .5, .5)
    assert model.similarity(np.array([1]), np.array([2]))[0, 0] == pytest.approx(0.89 / 1.05, rel=1e-5)
    assert model.similarity(np.array([1]), np.array([0]))[0, 0] == pytest.approx(0.6 / 1.05**0.5, rel=1e-5)
    assert model.similarity(np.array([1]), np.array([3]))[0, 0] == pytest.approx(0.57 / (1.05 * 1.53) ** 0.5, rel=1e-5)
    assert neighbors_compute(model.similarity, model.known, k=4)[0][1].tolist() == [
        2,
        0,
        4,
        3,
    ]  # 4: 0.25 / (0.5 · 1.05^0.5)


def test_unknown_items_have_no_similarity():
    known = np.array([True, True, True, False])
    b = np.random.default_rng(0).random((4, 4)).astype(np.float32)
    model = ease_model(b, known)
    assert np.all(model.similarity(np.array([3]), np.arange(4)) == 0)


def test_format_1_files_load_with_recomputed_neighbours():
    b = np.random.default_rng(1).normal(size=(7, 7)).astype(np.float32)
    current = ease_model(b)
    arrays = dict(current.arrays)
    items, scores = neighbors_compute(current.similarity, current.known)
    arrays["neighbors_items"], arrays["neighbors_scores"] = items, scores
    expected = ServingModel.from_arrays(arrays).similar(2, 3)
    old = {**arrays, "format_version": np.array(1)}
    old["neighbors_items"] = np.zeros_like(items)  # what a format-1 file held: the old similarity's lists
    loaded = ServingModel.from_arrays(old)
    assert loaded.arrays["neighbors_items"].tolist() == items.tolist()
    assert loaded.similar(2, 3)[0].tolist() == expected[0].tolist()
    with pytest.raises(ValueError, match="format 9"):
        ServingModel.from_arrays({**arrays, "format_version": np.array(9)})
