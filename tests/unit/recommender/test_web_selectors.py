"""Recommender reads: paging and search, the home card, the active-pointer cache, response building."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rest_framework.exceptions import NotFound, ValidationError

from apps.core.models import ActiveModel, Job
from apps.core.services import model_version_activate, model_version_create
from apps.recommender import selectors
from apps.recommender.ml.serving import NEIGHBORS, SERVING_FORMAT, TOPK, ServingModel
from apps.recommender.models import Dataset, DatasetUser, Item


@pytest.fixture(autouse=True)
def fresh_caches():
    selectors.serving_cache_clear()
    yield
    selectors.serving_cache_clear()


def ease_serving(n_items: int = 12, seed: int = 0, known: np.ndarray | None = None) -> ServingModel:
    """A hand-made EASE model: random B (distinct similarities), no users."""
    rng = np.random.default_rng(seed)
    b = rng.normal(size=(n_items, n_items)).astype(np.float32)
    np.fill_diagonal(b, 0.0)
    return ServingModel.from_arrays(
        {
            "format_version": np.array(SERVING_FORMAT),
            "model": np.array("ease"),
            "threshold": np.array(3.5),
            "n_users": np.array(0),
            "n_items": np.array(n_items),
            "item_known": np.ones(n_items, dtype=bool) if known is None else known,
            "popularity": np.arange(n_items, dtype=np.float32),
            "topk_items": np.zeros((0, TOPK), dtype=np.int32),
            "topk_scores": np.zeros((0, TOPK), dtype=np.float32),
            "history_indptr": np.zeros(1, dtype=np.int64),
            "history_indices": np.zeros(0, dtype=np.int32),
            "history_ratings": np.zeros(0, dtype=np.float32),
            "neighbors_items": np.full((n_items, NEIGHBORS), -1, dtype=np.int32),
            "neighbors_scores": np.full((n_items, NEIGHBORS), -np.inf, dtype=np.float32),
            "ease_b": b,
        }
    )


# --- because: the vectorised version answers what ServingModel.because answers --------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_liked", [0, 1, 2, 3, 7])
def test_because_compute_matches_the_serving_model(seed, n_liked):
    known = np.ones(12, dtype=bool)
    known[11] = False  # an item the model never saw is never a reason
    model = ease_serving(seed=seed, known=known)
    rng = np.random.default_rng(100 + seed)
    liked = rng.choice(12, size=n_liked, replace=False)
    recs = np.setdiff1d(np.arange(11), liked)[:5]
    assert selectors.because_compute(model, liked, recs) == model.because(liked, recs)


def test_because_keeps_only_positive_similarities_best_first():
    model = ease_serving(seed=3)
    liked, recs = np.array([0, 1, 2, 3, 4]), np.array([5, 6])
    reasons = selectors.because_compute(model, liked, recs)
    sims = model.similarity(recs, liked)
    for row, why in zip(sims, reasons, strict=True):
        expected = [int(liked[j]) for j in np.argsort(-row)[:3] if row[j] > 0]
        assert why == expected


# --- responses built from pre-encoded fragments equal the plain encoding ---------------------------


def bundle_for(model: ServingModel) -> selectors.ServingBundle:
    rows = [
        {"id": 100 + i, "title": f'Film "{i}" — é', "year": 1990 + i, "genres": ["Drama"], "external_id": str(i)}
        for i in range(model.n_items)
    ]
    refs = [{"id": r["id"], "title": r["title"]} for r in rows]
    model_json = {"id": 7, "version": 2, "name": "ease"}
    return selectors.ServingBundle(
        model=model,
        model_json=model_json,
        dataset_slug="tiny",
        rating_min=1.0,
        rating_max=5.0,
        items=rows,
        refs=refs,
        index_by_item={r["id"]: i for i, r in enumerate(rows)},
        index_by_user={},
        items_encoded=[selectors.json_encode(r) for r in rows],
        refs_encoded=[selectors.json_encode(r) for r in refs],
        model_encoded=selectors.json_encode(model_json),
    )


@pytest.mark.parametrize("user", [None, "u 1"])
def test_recommendations_json_is_the_encoding_of_the_dict(user):
    model = ease_serving(seed=1)
    bundle = bundle_for(model)
    items, scores = model.recommend_foldin(np.array([0, 1, 2]), np.array([5.0, 4.0, 1.0]), 6)
    recs = selectors._recommendations(bundle, user, items, scores, np.array([0, 1]))
    assert recs.as_json() == selectors.json_encode(recs.as_dict())
    body = json.loads(recs.as_json())
    assert body["user"] == user and body["model"] == {"id": 7, "version": 2, "name": "ease"}
    assert [e["item"]["id"] for e in body["items"]] == [100 + i for i in items.tolist()]
    assert [e["score"] for e in body["items"]] == pytest.approx(scores.tolist())
    assert not {0, 1, 2} & set(items.tolist())


def test_foldin_check_names_every_bad_entry():
    bundle = bundle_for(ease_serving())
    with pytest.raises(ValidationError) as err:
        selectors.foldin_ratings_check(bundle, [(100, 5.0), (100, 4.0), (999, 3.0), (101, 0.5), (102, 6.0)])
    detail = err.value.detail
    assert set(detail) == {"ratings[1].item", "ratings[2].item", "ratings[3].rating", "ratings[4].rating"}
    indices, values = selectors.foldin_ratings_check(bundle, [(103, 1.0), (100, 5.0)])
    assert indices.tolist() == [3, 0] and values.tolist() == [1.0, 5.0]


# --- catalogue reads ------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    dataset = Dataset.objects.create(slug="cat", name="Cat", n_items=5, n_users=3)
    titles = ["Star Wars", "Alien", "Star Trek", "Babe", "Casablanca"]
    for index, (title, count) in enumerate(zip(titles, [50, 40, 30, 20, 10], strict=True)):
        Item.objects.create(dataset=dataset, index=index, external_id=f"m{index}", title=title, n_ratings=count)
    for index in range(3):
        DatasetUser.objects.create(dataset=dataset, index=index, external_id=str(index + 1))
    return dataset


def test_item_list_searches_titles_and_ids_and_orders(catalogue):
    def titles(**kwargs):
        return [i.title for i in selectors.item_list(dataset=catalogue, **kwargs)]

    assert titles() == ["Star Wars", "Alien", "Star Trek", "Babe", "Casablanca"]  # most rated first
    assert titles(search="star") == ["Star Wars", "Star Trek"]
    assert titles(search="m3") == ["Babe"]
    assert titles(order="title") == ["Alien", "Babe", "Casablanca", "Star Trek", "Star Wars"]


def test_page_get_counts_and_refuses_pages_past_the_end(catalogue):
    items = selectors.item_list(dataset=catalogue)
    page = selectors.page_get(items, page=2, page_size=2)
    assert (page.count, page.pages, page.page, page.next, page.previous) == (5, 3, 2, 3, 1)
    assert [i.title for i in page.results] == ["Star Trek", "Babe"]
    last = selectors.page_get(items, page=3, page_size=2)
    assert last.next is None and len(last.results) == 1
    with pytest.raises(NotFound):
        selectors.page_get(items, page=4, page_size=2)
    empty = selectors.page_get(selectors.item_list(dataset=catalogue, search="zzz"), page=1, page_size=2)
    assert (empty.count, empty.pages, empty.results) == (0, 1, [])


def test_user_get_and_list(catalogue):
    assert selectors.user_get(dataset=catalogue, user="2").index == 1
    with pytest.raises(NotFound):
        selectors.user_get(dataset=catalogue, user="9")
    assert [u.external_id for u in selectors.user_list(dataset=catalogue, search="3")] == ["3"]


# --- the home card ---------------------------------------------------------------------------------


def version_make(slug: str, ndcg: float = 0.41, ease: float = 0.39, activate: bool = True):
    version = model_version_create(
        kind="recommender",
        dataset=slug,
        name="mult-vae",
        config={},
        metrics={"ndcg@100": ndcg, "recall@20": 0.3, "recall@50": 0.4},
        baselines={"ease": {"ndcg@100": ease}, "popularity": {"ndcg@100": 0.2}},
        artifacts={},
    )
    if activate:
        model_version_activate(model_version=version)
    return version


def test_home_card_lines_show_counts_and_ndcg_against_ease(catalogue):
    Dataset.objects.create(slug="zz", name="Other", n_users=1, n_items=2, n_ratings=3, is_synthetic=True)
    version_make("cat", ndcg=0.4123, ease=0.3987)
    lines = selectors.home_card_lines()
    assert lines[0] == "Cat: 3 users, 5 items, 0 ratings · mult-vae v1: NDCG@100 0.4123 (EASE 0.3987)"
    assert lines[1] == "Other: 1 users, 2 items, 3 ratings (synthetic) · no trained model yet"


# --- the active pointer and "no model yet" ------------------------------------------------------------


def test_no_model_is_409_naming_the_remedy_or_the_running_job(catalogue):
    with pytest.raises(selectors.NoModelYet) as err:
        selectors.serving_bundle(slug="cat")
    assert err.value.status_code == 409 and "train one" in str(err.value.detail)
    job = Job.objects.create(kind="train.recommender", params={"dataset": "cat", "model": "mult-vae"})
    with pytest.raises(selectors.NoModelYet) as err:
        selectors.serving_bundle(slug="cat")
    assert str(job.id) in str(err.value.detail) and "queued" in str(err.value.detail)
    with pytest.raises(NotFound):
        selectors.serving_bundle(slug="nope")


def test_pointer_is_remembered_for_the_ttl_and_activations_here_are_seen_at_once(catalogue, settings):
    settings.AEWEB_ACTIVE_MODEL_TTL = 3600
    first = version_make("cat")
    assert selectors.active_pointer("cat")[0] == first.id
    second = version_make("cat", activate=False)
    # A change this process did not make (as a worker's would be) waits for the TTL...
    ActiveModel.objects.filter(dataset="cat").update(model_version=second)
    assert selectors.active_pointer("cat")[0] == first.id
    settings.AEWEB_ACTIVE_MODEL_TTL = 0
    assert selectors.active_pointer("cat")[0] == second.id
    # ...while an activation through the registry is seen at once, whatever the TTL.
    settings.AEWEB_ACTIVE_MODEL_TTL = 3600
    third = version_make("cat")
    assert selectors.active_pointer("cat")[0] == third.id
    ActiveModel.objects.filter(dataset="cat").delete()
    assert selectors.active_pointer("cat") is None


def test_no_pointer_is_never_remembered(catalogue, settings):
    settings.AEWEB_ACTIVE_MODEL_TTL = 3600
    assert selectors.active_pointer("cat") is None
    version = version_make("cat", activate=False)
    ActiveModel.objects.bulk_create([ActiveModel(kind="recommender", dataset="cat", model_version=version)])
    assert selectors.active_pointer("cat")[0] == version.id  # bulk_create sends no signal
