"""Fixtures of the recommender's unit tests."""

from __future__ import annotations

import pytest

from apps.recommender.models import Dataset, DatasetUser, Item


@pytest.fixture
def catalogue(db):
    dataset = Dataset.objects.create(slug="cat", name="Cat", n_items=5, n_users=3)
    titles = ["Star Wars", "Alien", "Star Trek", "Babe", "Casablanca"]
    for index, (title, count) in enumerate(zip(titles, [50, 40, 30, 20, 10], strict=True)):
        Item.objects.create(dataset=dataset, index=index, external_id=f"m{index}", title=title, n_ratings=count)
    for index in range(3):
        DatasetUser.objects.create(dataset=dataset, index=index, external_id=str(index + 1))
    return dataset
