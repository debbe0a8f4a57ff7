"""Recommendations, fold-in and similar items over the API, served from a real trained model's arrays.

The model: EASE trained once per session (the ML package's own `recommender_train`) on a tiny
data set with two taste groups, exported as the worker does it, stored as a ModelVersion and
activated. Other test modules build their data with `dataset_with_model` from here.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from apps.core.artifacts import artifact_path, artifact_write
from apps.core.models import ActiveModel, Job, ModelVersion
from apps.core.services import model_version_activate, model_version_create, training_job_start
from apps.recommender import services, serving
from apps.recommender.models import Dataset, DatasetUser, Item, Rating

pytestmark = pytest.mark.django_db

N_USERS, N_ITEMS, GROUP = 48, 30, 15  # users 0, 2, 4... like items 0..14; users 1, 3, 5... items 15..29
ITEM_FIELDS = {"id", "title", "year", "genres", "external_id"}


def tiny_files_write(folder: Path) -> tuple[Path, Path]:
    """Two taste groups: each user rates 8 items of their group 4-5 and 3 of the other 1-2."""
    rng = np.random.default_rng(5)
    lines = ["user,item,rating"]
    for user in range(N_USERS):
        mine, theirs = (0, GROUP) if user % 2 == 0 else (GROUP, 0)
        for item in rng.choice(GROUP, size=8, replace=False):
            lines.append(f"u{user},m{mine + item},{rng.choice([4, 5])}")
        for item in rng.choice(GROUP, size=3, replace=False):
            lines.append(f"u{user},m{theirs + item},{rng.choice([1, 2])}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings.csv").write_text("\n".join(lines) + "\n")
    items = ["item,title,genres"]
    items += [f"m{i},Film {i} ({1980 + i}),{'Drama' if i < GROUP else 'Sci-Fi'}" for i in range(N_ITEMS)]
    items.append("m99,Never Rated (2001),Drama")  # in the catalogue only
    (folder / "items.csv").write_text("\n".join(items) + "\n")
    return folder / "ratings.csv", folder / "items.csv"


@cache
def trained(ratings_text: str, items_text: str, model: str = "ease"):
    """The ML package's training run on these files' contents: trained once, shared by every test."""
    from apps.recommender.ml.readers import ratings_read
    from apps.recommender.ml.train import TrainConfig, recommender_train  # torch: the test process only

    with tempfile.TemporaryDirectory() as folder:
        ratings, items = Path(folder) / "ratings.csv", Path(folder) / "items.csv"
        ratings.write_text(ratings_text)
        items.write_text(items_text)
        data = ratings_read(ratings, "csv", items_path=items)
    config = TrainConfig.from_dict({"model": model, "ease_lambda": 10.0, "epochs": 2, "seed": 0})
    return recommender_train(data.user_index, data.item_index, data.rating, data.n_users, data.n_items, config)


def dataset_with_model(folder: Path, slug: str = "tiny", *, model: bool = True):
    """Import the tiny data set; with `model`, register and activate a trained version as the worker would."""
    ratings, items = tiny_files_write(folder / slug)
    dataset = services.dataset_import(path=ratings, items_path=items, slug=slug, name=f"Tiny {slug}")
    if not model:
        return dataset, None
    return dataset, version_register(dataset, ratings, items)


def version_register(dataset: Dataset, ratings: Path, items: Path, *, activate: bool = True) -> ModelVersion:
    result = trained(ratings.read_text(), items.read_text())
    arrays = {
        **result.serving,
        "db_user_ids": np.array(dataset.users.order_by("index").values_list("pk", flat=True), dtype=np.int64),
        "db_item_ids": np.array(dataset.items.order_by("index").values_list("pk", flat=True), dtype=np.int64),
    }
    folder = f"recommender/{dataset.slug}/{uuid.uuid4().hex}"
    info = artifact_write(f"{folder}/serving.npz", lambda path: np.savez(path, **arrays))
    version = model_version_create(
        kind="recommender",
        dataset=dataset.slug,
        name="ease",
        config={},
        metrics=result.metrics,
        baselines=result.baselines,
        artifacts={"serving": info},
    )
    if activate:
        model_version_activate(model_version=version)
    return version


@pytest.fixture(autouse=True)
def fresh_caches():
    serving.serving_cache_clear()
    yield
    serving.serving_cache_clear()


@pytest.fixture
def tiny(tmp_path):
    return dataset_with_model(tmp_path)


def group_of(item: Item) -> int:
    return int(item.external_id[1:]) // GROUP


def liked_items(user: DatasetUser) -> set[int]:
    return set(user.ratings.filter(rating__gt=3.5).values_list("item_id", flat=True))


# --- a data-set user's recommendations ---------------------------------------------------------------


def test_user_recommendations_shape_exclusion_and_reasons(api_client, tiny):
    dataset, version = tiny
    user = dataset.users.get(external_id="u0")
    response = api_client.get("/api/datasets/tiny/users/u0/recommendations/?k=5")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"dataset", "user", "model", "items"}
    assert (body["dataset"], body["user"]) == ("tiny", "u0")
    assert body["model"] == {"id": version.id, "version": version.version, "name": "ease"}
    assert len(body["items"]) == 5
    entries = body["items"]
    assert all(set(e) == {"item", "score", "because"} and set(e["item"]) == ITEM_FIELDS for e in entries)
    scores = [e["score"] for e in entries]
    assert scores == sorted(scores, reverse=True)
    ids = [e["item"]["id"] for e in entries]
    rated = set(user.ratings.values_list("item_id", flat=True))
    assert not rated & set(ids)
    liked = liked_items(user)
    titles = dict(Item.objects.filter(dataset=dataset).values_list("id", "title"))
    for entry in entries:
        assert entry["item"]["title"] == titles[entry["item"]["id"]]
        assert 1 <= len(entry["because"]) <= 3
        assert all(b["id"] in liked and b["title"] == titles[b["id"]] for b in entry["because"])
    # The model learned the two groups: a wrong id mapping would mix them.
    groups = [group_of(Item.objects.get(pk=i)) for i in ids[:3]]
    assert groups == [0, 0, 0]


def test_user_recommendations_default_k_and_every_user_is_served(api_client, tiny):
    dataset, _ = tiny
    for user in dataset.users.all():
        body = api_client.get(f"/api/datasets/tiny/users/{user.external_id}/recommendations/").json()
        unrated = N_ITEMS - user.n_ratings  # the catalogue-only item is never scored
        assert len(body["items"]) == min(20, unrated)
        assert not set(user.ratings.values_list("item_id", flat=True)) & {e["item"]["id"] for e in body["items"]}


@pytest.mark.parametrize("k", ["0", "101", "-3", "abc", "", "2.5"])
def test_k_outside_1_to_100_is_400_naming_k(api_client, tiny, k):
    response = api_client.get(f"/api/datasets/tiny/users/u0/recommendations/?k={k}")
    assert response.status_code == 400
    assert "k" in response.json()["error"]["details"]


def test_unknown_user_and_data_set_are_404(api_client, tiny):
    assert api_client.get("/api/datasets/tiny/users/nobody/recommendations/").status_code == 404
    response = api_client.get("/api/datasets/nope/users/u0/recommendations/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_no_model_yet_is_409_with_the_remedy_then_the_running_job(api_client, tmp_path, monkeypatch):
    dataset_with_model(tmp_path, "bare", model=False)
    response = api_client.get("/api/datasets/bare/users/u0/recommendations/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "no_model" and "train one" in error["message"]
    monkeypatch.setattr("apps.core.services.job_enqueue", lambda *, job: None)
    job = training_job_start(kind="recommender", dataset="bare", model="ease")
    response = api_client.post("/api/datasets/bare/recommendations/", {"ratings": [{"item": 1, "rating": 5}]}, "json")
    assert response.status_code == 409 and str(job.id) in response.json()["error"]["message"]


def test_recommendations_cost_at_most_one_query(api_client, tiny, django_assert_max_num_queries, settings):
    api_client.get("/api/datasets/tiny/users/u0/recommendations/")  # loads the arrays once
    settings.AEWEB_ACTIVE_MODEL_TTL = 0
    with django_assert_max_num_queries(1):
        assert api_client.get("/api/datasets/tiny/users/u1/recommendations/?k=3").status_code == 200
    item = Item.objects.filter(dataset__slug="tiny").first()
    with django_assert_max_num_queries(1):
        body = {"ratings": [{"item": item.id, "rating": 5}], "k": 3}
        assert api_client.post("/api/datasets/tiny/recommendations/", body, format="json").status_code == 200


def test_a_new_activation_is_served_at_once(api_client, tiny, tmp_path):
    dataset, first = tiny
    assert api_client.get("/api/datasets/tiny/users/u0/recommendations/").json()["model"]["id"] == first.id
    ratings, items = tmp_path / "tiny" / "ratings.csv", tmp_path / "tiny" / "items.csv"
    second = version_register(dataset, ratings, items)
    body = api_client.get("/api/datasets/tiny/users/u0/recommendations/").json()
    assert body["model"] == {"id": second.id, "version": 2, "name": "ease"}


def test_reimported_data_set_has_no_model_and_an_old_version_is_refused(api_client, tiny, tmp_path, monkeypatch):
    dataset, old = tiny
    assert api_client.get("/api/datasets/tiny/users/u0/recommendations/").status_code == 200
    ratings, items = tmp_path / "tiny" / "ratings.csv", tmp_path / "tiny" / "items.csv"
    services.dataset_import(path=ratings, items_path=items, slug="tiny", replace=True)
    assert api_client.get("/api/datasets/tiny/users/u0/recommendations/").status_code == 409
    model_version_activate(model_version=old)  # trained on rows that no longer exist
    response = api_client.get("/api/datasets/tiny/users/u0/recommendations/")
    assert response.status_code == 409 and "earlier import" in response.json()["error"]["message"]
    loads = []
    monkeypatch.setattr(serving, "serving_bundle_load", lambda **kw: loads.append(kw))
    assert api_client.get("/api/datasets/tiny/users/u0/recommendations/").status_code == 409
    assert loads == []  # the verdict is remembered until the pointer moves, not re-read per request


def test_missing_or_changed_model_file_is_503_not_500(api_client, tiny):
    _, version = tiny
    path = artifact_path(version.artifacts["serving"]["path"])
    path.write_bytes(path.read_bytes()[:-10])
    response = api_client.get("/api/datasets/tiny/users/u0/recommendations/")
    assert response.status_code == 503 and "retrain" in response.json()["error"]["message"]
    path.unlink()
    serving.serving_cache_clear()
    assert api_client.get("/api/datasets/tiny/users/u0/recommendations/").status_code == 503


# --- fold-in -----------------------------------------------------------------------------------------


def items_by_external(dataset: Dataset) -> dict[str, int]:
    return dict(dataset.items.values_list("external_id", "id"))


def test_foldin_recommends_the_visitors_group_never_a_rated_item(api_client, tiny):
    dataset, version = tiny
    ids = items_by_external(dataset)
    ratings = [{"item": ids["m16"], "rating": 5}, {"item": ids["m17"], "rating": 4.5}, {"item": ids["m3"], "rating": 1}]
    response = api_client.post("/api/datasets/tiny/recommendations/", {"ratings": ratings, "k": 6}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dataset"], body["user"]) == ("tiny", None)
    assert body["model"] == {"id": version.id, "version": version.version, "name": "ease"}
    got = [e["item"]["id"] for e in body["items"]]
    assert len(got) == 6 and not {r["item"] for r in ratings} & set(got)
    assert all(set(e["item"]) == ITEM_FIELDS for e in body["items"])
    assert [group_of(Item.objects.get(pk=i)) for i in got[:3]] == [1, 1, 1]
    reasons = {b["id"] for e in body["items"] for b in e["because"]}
    assert reasons and reasons <= {ids["m16"], ids["m17"]}  # liked ones only, never the 1-star


def test_foldin_default_k_is_20_and_catalogue_only_items_are_accepted(api_client, tiny):
    dataset, _ = tiny
    ids = items_by_external(dataset)
    ratings = [{"item": ids["m99"], "rating": 5}, {"item": ids["m1"], "rating": 5}]
    body = api_client.post("/api/datasets/tiny/recommendations/", {"ratings": ratings}, format="json").json()
    assert len(body["items"]) == 20


def bad_bodies(ids: dict[str, int], other_item: int) -> list[tuple[object, str]]:
    good = {"item": ids["m1"], "rating": 4}
    return [
        ({"ratings": []}, "ratings"),
        ({}, "ratings"),
        ({"ratings": "m1"}, "ratings"),
        ({"ratings": [good] * 5001}, "ratings"),
        ({"ratings": [{"item": 10**9, "rating": 4}]}, "ratings[0].item"),
        ({"ratings": [good, {"item": other_item, "rating": 4}]}, "ratings[1].item"),
        ({"ratings": [{"item": ids["m2"], "rating": 6}]}, "ratings[0].rating"),
        ({"ratings": [{"item": ids["m2"], "rating": 0}]}, "ratings[0].rating"),
        ({"ratings": [good, {"item": ids["m2"], "rating": 3}, good]}, "ratings[2].item"),
        ({"ratings": [{"item": "m1", "rating": 4}]}, "ratings[0].item"),
        ({"ratings": [{"item": True, "rating": 4}]}, "ratings[0].item"),
        ({"ratings": [{"item": ids["m2"], "rating": "high"}]}, "ratings[0].rating"),
        ({"ratings": [{"item": ids["m2"]}]}, "ratings[0].rating"),
        ({"ratings": [7]}, "ratings[0]"),
        ({"ratings": [good], "k": 0}, "k"),
        ({"ratings": [good], "k": 101}, "k"),
        ({"ratings": [good], "k": "5"}, "k"),
        ([good], "non_field_errors"),
    ]


def test_every_bad_foldin_body_is_400_naming_the_field_and_changes_nothing(api_client, tiny, tmp_path):
    dataset, _ = tiny
    other, _ = dataset_with_model(tmp_path, "other", model=False)
    counts = (Rating.objects.count(), Item.objects.count(), Job.objects.count(), ModelVersion.objects.count())
    for body, field in bad_bodies(items_by_external(dataset), other.items.first().id):
        response = api_client.post("/api/datasets/tiny/recommendations/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        error = response.json()["error"]
        assert error["code"] == "invalid" and field in error["details"], (field, error)
    assert counts == (Rating.objects.count(), Item.objects.count(), Job.objects.count(), ModelVersion.objects.count())


def test_malformed_json_and_wrong_content_type_are_400(api_client, tiny):
    url = "/api/datasets/tiny/recommendations/"
    response = api_client.generic("POST", url, '{"ratings": [', content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"
    response = api_client.generic("POST", url, '{"ratings": NaN}', content_type="application/json")
    assert response.status_code == 400
    response = api_client.post(url, "ratings=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "content_type" in response.json()["error"]["details"]


def test_foldin_unknown_data_set_is_404(api_client, tiny):
    response = api_client.post("/api/datasets/nope/recommendations/", {"ratings": [{"item": 1, "rating": 4}]}, "json")
    assert response.status_code == 404


# --- similar items ----------------------------------------------------------------------------------


def test_similar_items_are_the_same_group_and_exclude_the_item(api_client, tiny):
    dataset, version = tiny
    item = dataset.items.get(external_id="m20")
    response = api_client.get(f"/api/items/{item.id}/similar/?k=4")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["item"]["id"] == item.id and set(body["item"]) == ITEM_FIELDS
    assert body["dataset"] == "tiny" and body["model"]["id"] == version.id
    got = [e["item"]["id"] for e in body["items"]]
    assert len(got) == 4 and item.id not in got
    assert [group_of(Item.objects.get(pk=i)) for i in got] == [1, 1, 1, 1]
    scores = [e["score"] for e in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_similar_items_errors(api_client, tiny, tmp_path):
    dataset, _ = tiny
    item = dataset.items.first()
    assert api_client.get(f"/api/items/{item.id}/similar/?k=0").status_code == 400
    assert api_client.get(f"/api/items/{item.id}/similar/?k=101").status_code == 400
    assert api_client.get("/api/items/987654321/similar/").status_code == 404
    assert api_client.get(f"/api/items/{10**25}/similar/").status_code == 404
    other, _ = dataset_with_model(tmp_path, "other", model=False)
    assert api_client.get(f"/api/items/{other.items.first().id}/similar/").status_code == 409


# --- the worker's real handler, run in this process ------------------------------------------------------


def test_a_model_trained_by_the_job_handler_serves(api_client, tmp_path, monkeypatch, settings):
    from apps.core.runner import job_execute

    settings.AEWEB_HEARTBEAT_SECONDS = 3600  # no heartbeat thread writing beside the test's transaction
    dataset, _ = dataset_with_model(tmp_path, "jobbed", model=False)
    monkeypatch.setattr("apps.core.services.job_enqueue", lambda *, job: None)
    job = training_job_start(kind="recommender", dataset="jobbed", model="ease", config={"ease_lambda": 10.0})
    job = job_execute(job_id=job.id)
    assert job.status == "succeeded", job.error
    body = api_client.get("/api/datasets/jobbed/users/u1/recommendations/?k=3").json()
    assert body["model"]["id"] == job.result["model_version"] and len(body["items"]) == 3
    assert ActiveModel.objects.get(dataset="jobbed").model_version_id == job.result["model_version"]


# --- the schema ---------------------------------------------------------------------------------------


def test_schema_documents_the_endpoints_and_their_errors(api_client):
    schema = json.loads(api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    paths = schema["paths"]
    for path in (
        "/api/datasets/",
        "/api/datasets/{slug}/items/",
        "/api/datasets/{slug}/users/",
        "/api/datasets/{slug}/users/{user}/ratings/",
        "/api/datasets/{slug}/users/{user}/recommendations/",
        "/api/datasets/{slug}/recommendations/",
        "/api/items/{item_id}/",
        "/api/items/{item_id}/similar/",
    ):
        assert path in paths, path
    foldin = paths["/api/datasets/{slug}/recommendations/"]["post"]
    assert {"200", "400", "404", "409"} <= set(foldin["responses"])
    assert "requestBody" in foldin


def strict(node):
    """An OpenAPI 3.0 schema as plain JSON Schema that also refuses keys it does not document."""
    if isinstance(node, list):
        return [strict(value) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: strict(value) for key, value in node.items()}
    if "properties" in node:
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def response_validator(api_client, path: str, method: str):
    """A validator for the documented 200 body of an endpoint, from the served schema."""
    from jsonschema import Draft202012Validator

    response = api_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    body = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**strict(body), "components": strict(schema["components"])})


def test_served_bodies_validate_against_the_documented_schema(api_client, tiny):
    """RecommendationsSerializer documents the pre-encoded JSON: neither may drift from the other."""
    dataset, _ = tiny
    ids = items_by_external(dataset)
    user_body = api_client.get("/api/datasets/tiny/users/u0/recommendations/?k=5").json()
    ratings = [{"item": ids["m16"], "rating": 5}, {"item": ids["m99"], "rating": 4}, {"item": ids["m3"], "rating": 1}]
    foldin_body = api_client.post("/api/datasets/tiny/recommendations/", {"ratings": ratings}, format="json").json()
    assert user_body["items"] and foldin_body["items"] and foldin_body["user"] is None
    assert any(e["because"] for e in user_body["items"]) and any(e["because"] for e in foldin_body["items"])
    user_schema = response_validator(api_client, "/api/datasets/{slug}/users/{user}/recommendations/", "get")
    foldin_schema = response_validator(api_client, "/api/datasets/{slug}/recommendations/", "post")
    for validator, body in ((user_schema, user_body), (foldin_schema, foldin_body), (user_schema, foldin_body)):
        validator.validate(body)
    # The check has teeth: an undocumented key, a missing one or a wrong type is refused.
    entry = user_body["items"][0]
    for broken in (
        {**user_body, "extra": 1},
        {**user_body, "items": [{**entry, "rank": 1}]},
        {**user_body, "items": [{key: value for key, value in entry.items() if key != "because"}]},
        {**user_body, "model": {**user_body["model"], "id": "7"}},
    ):
        assert not user_schema.is_valid(broken), broken

    item = dataset.items.get(external_id="m20")
    similar = api_client.get(f"/api/items/{item.id}/similar/?k=4").json()
    response_validator(api_client, "/api/items/{item_id}/similar/", "get").validate(similar)
