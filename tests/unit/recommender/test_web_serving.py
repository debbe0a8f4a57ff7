"""Recommender serving: the response body, fold-in input checks, "no model yet", the active-pointer cache."""

from __future__ import annotations

import json

import numpy as np
import pytest

from apps.core.api_errors import application_error_status
from apps.core.errors import InvalidInput, NotFound
from apps.core.models import ActiveModel, Job
from apps.core.pointers import active_pointer
from apps.recommender import serving
from apps.recommender.ml.serving import ServingModel
from tests.unit.recommender.web_fixtures import ease_serving, version_make


@pytest.fixture(autouse=True)
def fresh_caches():
    serving.serving_cache_clear()
    yield
    serving.serving_cache_clear()


# --- responses joined from pre-encoded fragments -------------------------------------------------------


def bundle_for(model: ServingModel) -> serving.ServingBundle:
    rows = [
        {"id": 100 + i, "title": f'Film "{i}" — é', "year": 1990 + i, "genres": ["Drama"], "external_id": str(i)}
        for i in range(model.n_items)
    ]
    refs = [{"id": r["id"], "title": r["title"]} for r in rows]
    model_json = {"id": 7, "version": 2, "name": "ease"}
    return serving.ServingBundle(
        model=model,
        model_json=model_json,
        dataset_slug="tiny",
        rating_min=1.0,
        rating_max=5.0,
        items=rows,
        refs=refs,
        index_by_item={r["id"]: i for i, r in enumerate(rows)},
        index_by_user={},
        items_encoded=[serving.json_encode(r) for r in rows],
        refs_encoded=[serving.json_encode(r) for r in refs],
        model_encoded=serving.json_encode(model_json),
    )


@pytest.mark.parametrize("user", [None, "u 1"])
def test_recommendations_json_is_the_documented_body(user):
    model = ease_serving(seed=1)
    bundle = bundle_for(model)
    items, scores = model.recommend_foldin(np.array([0, 1, 2]), np.array([5.0, 4.0, 1.0]), 6)
    liked = np.array([0, 1])
    recs = serving._recommendations(bundle, user, items, scores, liked)
    text = recs.as_json()
    body = json.loads(text)
    assert text == serving.json_encode(body)  # compact UTF-8, as DRF's renderer would write it
    assert body == {
        "dataset": "tiny",
        "user": user,
        "model": {"id": 7, "version": 2, "name": "ease"},
        "items": [
            {
                "item": {"id": 100 + i, "title": f'Film "{i}" — é', "year": 1990 + i, "genres": ["Drama"],
                         "external_id": str(i)},
                "score": s,
                "because": [{"id": 100 + j, "title": f'Film "{j}" — é'} for j in why],
            }
            for i, s, why in zip(items.tolist(), scores.tolist(), model.because(liked, items), strict=True)
        ],
    }  # fmt: skip
    assert [e["score"] for e in body["items"]] == pytest.approx(scores.tolist())
    assert {b["id"] for e in body["items"] for b in e["because"]} <= {100, 101}
    assert any(e["because"] for e in body["items"])
    assert not {0, 1, 2} & set(items.tolist())


def test_foldin_check_names_every_bad_entry():
    bundle = bundle_for(ease_serving())
    with pytest.raises(InvalidInput) as err:
        serving.foldin_ratings_check(bundle, [(100, 5.0), (100, 4.0), (999, 3.0), (101, 0.5), (102, 6.0)])
    assert err.value.errors == {
        "ratings[1].item": ["item 100 is rated twice (also at ratings[0])"],
        "ratings[2].item": ["no item 999 in data set 'tiny'"],
        "ratings[3].rating": ["must be between 1 and 5, not 0.5"],
        "ratings[4].rating": ["must be between 1 and 5, not 6"],
    }
    assert application_error_status(err.value) == 400
    assert err.value.message == "ratings[1].item: item 100 is rated twice (also at ratings[0])"
    indices, values = serving.foldin_ratings_check(bundle, [(103, 1.0), (100, 5.0)])
    assert indices.tolist() == [3, 0] and values.tolist() == [1.0, 5.0]


def test_foldin_check_names_at_most_twenty_entries():
    bundle = bundle_for(ease_serving())
    with pytest.raises(InvalidInput) as err:
        serving.foldin_ratings_check(bundle, [(999, 9.0)] * 30)
    assert len(err.value.errors) == serving.FOLDIN_ERRORS_MAX


# --- the active pointer and "no model yet" ------------------------------------------------------------


def test_no_model_is_409_naming_the_remedy_or_the_running_job(catalogue):
    with pytest.raises(serving.NoModelYet) as err:
        serving.serving_bundle(slug="cat")
    assert application_error_status(err.value) == 409 and err.value.code == "no_model"
    assert "train one" in err.value.message
    job = Job.objects.create(kind="train.recommender", params={"dataset": "cat", "model": "mult-vae"})
    with pytest.raises(serving.NoModelYet) as err:
        serving.serving_bundle(slug="cat")
    assert str(job.id) in err.value.message and "queued" in err.value.message
    with pytest.raises(NotFound):
        serving.serving_bundle(slug="nope")


def pointer(slug: str):
    return active_pointer(kind="recommender", dataset=slug)


def test_pointer_is_remembered_for_the_ttl_and_activations_here_are_seen_at_once(catalogue, settings):
    settings.AEWEB_ACTIVE_MODEL_TTL = 3600
    first = version_make("cat")
    assert pointer("cat")[0] == first.id
    second = version_make("cat", activate=False)
    # A change this process did not make (as a worker's would be) waits for the TTL...
    ActiveModel.objects.filter(dataset="cat").update(model_version=second)
    assert pointer("cat")[0] == first.id
    settings.AEWEB_ACTIVE_MODEL_TTL = 0
    assert pointer("cat")[0] == second.id
    # ...while an activation through the registry is seen at once, whatever the TTL.
    settings.AEWEB_ACTIVE_MODEL_TTL = 3600
    third = version_make("cat")
    assert pointer("cat")[0] == third.id
    ActiveModel.objects.filter(dataset="cat").delete()
    assert pointer("cat") is None


def test_no_pointer_is_never_remembered(catalogue, settings):
    settings.AEWEB_ACTIVE_MODEL_TTL = 3600
    assert pointer("cat") is None
    version = version_make("cat", activate=False)
    ActiveModel.objects.bulk_create([ActiveModel(kind="recommender", dataset="cat", model_version=version)])
    assert pointer("cat")[0] == version.id  # bulk_create sends no signal
