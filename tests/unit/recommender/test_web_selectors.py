"""Recommender catalogue reads: search and ordering, paging through core's page_get, the home card."""

from __future__ import annotations

import pytest

from apps.core.errors import NotFound
from apps.core.models import Job
from apps.core.pagination import page_get
from apps.recommender import selectors
from apps.recommender.models import Dataset, Item
from tests.unit.recommender.web_fixtures import version_make


def test_item_list_searches_titles_and_ids_and_orders(catalogue):
    def titles(**kwargs):
        return [i.title for i in selectors.item_list(dataset=catalogue, **kwargs)]

    assert titles() == ["Star Wars", "Alien", "Star Trek", "Babe", "Casablanca"]  # most rated first
    assert titles(search="star") == ["Star Wars", "Star Trek"]
    assert titles(search="m3") == ["Babe"]
    assert titles(order="title") == ["Alien", "Babe", "Casablanca", "Star Trek", "Star Wars"]


def test_page_get_counts_and_refuses_pages_past_the_end(catalogue):
    items = selectors.item_list(dataset=catalogue)
    page = page_get(items, page=2, page_size=2)
    assert (page.count, page.pages, page.page, page.next, page.previous) == (5, 3, 2, 3, 1)
    assert [i.title for i in page.results] == ["Star Trek", "Babe"]
    assert page.body(["a", "b"], dataset="cat") == {
        "dataset": "cat",
        "count": 5,
        "page": 2,
        "pages": 3,
        "page_size": 2,
        "next": 3,
        "previous": 1,
        "results": ["a", "b"],
    }
    last = page_get(items, page=3, page_size=2)
    assert last.next is None and len(last.results) == 1
    with pytest.raises(NotFound):
        page_get(items, page=4, page_size=2)
    empty = page_get(selectors.item_list(dataset=catalogue, search="zzz"), page=1, page_size=2)
    assert (empty.count, empty.pages, empty.results) == (0, 1, [])


def test_user_get_and_list(catalogue):
    assert selectors.user_get(dataset=catalogue, user="2").index == 1
    with pytest.raises(NotFound):
        selectors.user_get(dataset=catalogue, user="9")
    assert [u.external_id for u in selectors.user_list(dataset=catalogue, search="3")] == ["3"]


def test_dataset_and_item_get_raise_not_found(catalogue):
    assert selectors.dataset_get(slug="cat") == catalogue
    with pytest.raises(NotFound):
        selectors.dataset_get(slug="nope")
    item = Item.objects.get(dataset=catalogue, index=2)
    assert selectors.item_get(item_id=item.pk) == item
    for missing in (0, 987654321, 10**25):
        with pytest.raises(NotFound):
            selectors.item_get(item_id=missing)


def test_training_job_active_is_the_data_sets_queued_or_running_job(catalogue):
    assert selectors.training_job_active(slug="cat") is None
    Job.objects.create(kind="train.recommender", params={"dataset": "other"})
    Job.objects.create(kind="train.recommender", params={"dataset": "cat"}, status="succeeded")
    assert selectors.training_job_active(slug="cat") is None
    job = Job.objects.create(kind="train.recommender", params={"dataset": "cat", "model": "ease"}, status="running")
    assert selectors.training_job_active(slug="cat") == job


# --- the home card ---------------------------------------------------------------------------------


def test_dataset_list_pairs_each_data_set_with_its_active_model(catalogue):
    Dataset.objects.create(slug="zz", name="Other")
    version = version_make("cat")
    assert [(e["dataset"].slug, e["active_model"]) for e in selectors.dataset_list()] == [
        ("cat", version),
        ("zz", None),
    ]


def test_home_card_lines_show_counts_and_ndcg_against_ease(catalogue):
    Dataset.objects.create(slug="zz", name="Other", n_users=1, n_items=2, n_ratings=3, is_synthetic=True)
    version_make("cat", ndcg=0.4123, ease=0.3987)
    lines = selectors.home_card_lines()
    assert lines[0] == "Cat: 3 users, 5 items, 0 ratings · mult-vae v1: NDCG@100 0.4123 (EASE 0.3987)"
    assert lines[1] == "Other: 1 users, 2 items, 3 ratings (synthetic) · no trained model yet"
    card = selectors.home_card()
    assert card["title"] == "Recommendations" and card["url"] == "/datasets/" and card["lines"] == lines
