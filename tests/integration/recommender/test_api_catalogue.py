"""The catalogue over the API: data sets, items, users and their ratings; paging, search, bad input."""

from __future__ import annotations

import pytest

from apps.recommender import serving
from apps.recommender.models import Item
from tests.integration.recommender.test_api_recommendations import N_ITEMS, N_USERS, dataset_with_model

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_caches():
    serving.serving_cache_clear()
    yield
    serving.serving_cache_clear()


@pytest.fixture
def two_sets(tmp_path):
    tiny, version = dataset_with_model(tmp_path, "tiny")
    bare, _ = dataset_with_model(tmp_path, "bare", model=False)
    return tiny, version, bare


def test_datasets_list_counts_and_active_model(api_client, two_sets):
    tiny, version, bare = two_sets
    response = api_client.get("/api/datasets/")
    assert response.status_code == 200
    by_slug = {d["slug"]: d for d in response.json()}
    assert set(by_slug) == {"tiny", "bare"}
    entry = by_slug["tiny"]
    assert (entry["n_users"], entry["n_items"], entry["n_ratings"]) == (N_USERS, N_ITEMS + 1, tiny.n_ratings)
    assert (entry["rating_min"], entry["rating_max"], entry["name"]) == (1.0, 5.0, "Tiny tiny")
    active = entry["active_model"]
    assert (active["id"], active["version"], active["name"]) == (version.id, 1, "ease")
    assert set(active["metrics"]) == {"ndcg@100", "recall@20", "recall@50"}
    assert set(active["baselines"]) == {"popularity", "ease"}
    assert by_slug["bare"]["active_model"] is None


def test_items_are_paged_most_rated_first(api_client, two_sets):
    tiny, _, _ = two_sets
    body = api_client.get("/api/datasets/tiny/items/?page=2&page_size=10").json()
    assert (body["dataset"], body["count"], body["page"], body["pages"]) == ("tiny", N_ITEMS + 1, 2, 4)
    assert (body["next"], body["previous"], body["page_size"]) == (3, 1, 10)
    assert len(body["results"]) == 10
    assert set(body["results"][0]) == {"id", "title", "year", "genres", "external_id"}
    everything = api_client.get("/api/datasets/tiny/items/?page_size=200").json()["results"]
    counts = [Item.objects.get(pk=i["id"]).n_ratings for i in everything]
    assert counts == sorted(counts, reverse=True) and everything[-1]["external_id"] == "m99"
    by_title = api_client.get("/api/datasets/tiny/items/?order=title&page_size=3").json()["results"]
    assert [i["title"] for i in by_title] == sorted(i.title for i in tiny.items.all())[:3]


def test_item_search_matches_titles_case_insensitively(api_client, two_sets):
    body = api_client.get("/api/datasets/tiny/items/?search=never+RATED").json()
    assert body["count"] == 1 and body["results"][0]["title"] == "Never Rated (2001)"
    assert body["results"][0]["year"] == 2001 and body["results"][0]["genres"] == ["Drama"]
    assert api_client.get("/api/datasets/tiny/items/?search=zzz").json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [("page=0", "page"), ("page=x", "page"), ("page_size=0", "page_size"), ("page_size=201", "page_size"),
     ("order=random", "order"), ("search=" + "a" * 201, "search")],
)  # fmt: skip
def test_bad_catalogue_queries_are_400_naming_the_field(api_client, two_sets, query, field):
    response = api_client.get(f"/api/datasets/tiny/items/?{query}")
    assert response.status_code == 400 and field in response.json()["error"]["details"]


def test_catalogue_not_found_cases(api_client, two_sets):
    assert api_client.get("/api/datasets/nope/items/").status_code == 404
    assert api_client.get("/api/datasets/tiny/items/?page=99").status_code == 404
    assert api_client.get("/api/datasets/nope/users/").status_code == 404


def test_users_are_paged_and_searchable(api_client, two_sets):
    body = api_client.get("/api/datasets/tiny/users/?page_size=5").json()
    assert body["count"] == N_USERS and body["pages"] == 10
    assert set(body["results"][0]) == {"user", "index", "n_ratings"}
    assert [u["index"] for u in body["results"]] == [0, 1, 2, 3, 4]
    assert all(u["n_ratings"] == 11 for u in body["results"])
    found = api_client.get("/api/datasets/tiny/users/?search=u4").json()["results"]
    assert {u["user"] for u in found} == {"u4", "u40", "u41", "u42", "u43", "u44", "u45", "u46", "u47"}


def test_user_ratings_best_first_with_items(api_client, two_sets):
    tiny, _, _ = two_sets
    user = tiny.users.get(external_id="u3")
    response = api_client.get("/api/datasets/tiny/users/u3/ratings/?page_size=100")
    assert response.status_code == 200
    body = response.json()
    assert (body["dataset"], body["user"], body["count"]) == ("tiny", "u3", user.n_ratings)
    ratings = [r["rating"] for r in body["results"]]
    assert ratings == sorted(ratings, reverse=True)
    stored = set(user.ratings.values_list("item_id", "rating"))
    assert {(r["item"]["id"], r["rating"]) for r in body["results"]} == stored
    assert api_client.get("/api/datasets/tiny/users/nobody/ratings/").status_code == 404
    assert api_client.get("/api/datasets/bare/users/u3/ratings/").status_code == 200  # no model needed


def test_item_detail(api_client, two_sets):
    tiny, _, _ = two_sets
    item = tiny.items.get(external_id="m7")
    body = api_client.get(f"/api/items/{item.id}/").json()
    assert body == {
        "id": item.id,
        "title": "Film 7 (1987)",
        "year": 1987,
        "genres": ["Drama"],
        "external_id": "m7",
        "dataset": "tiny",
        "index": item.index,
        "n_ratings": item.n_ratings,
    }
    for missing in ("987654321", str(10**30), "0"):
        response = api_client.get(f"/api/items/{missing}/")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
