"""The recommender's server-rendered pages and its admin, over the real database and model arrays."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from apps.core.models import Job
from apps.recommender import serving
from apps.recommender.models import Dataset
from tests.integration.core.test_core_api import broker_down
from tests.integration.recommender.test_api_recommendations import dataset_with_model

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_caches():
    serving.serving_cache_clear()
    yield
    serving.serving_cache_clear()


@pytest.fixture
def sets(tmp_path):
    tiny, version = dataset_with_model(tmp_path, "tiny")
    bare, _ = dataset_with_model(tmp_path, "bare", model=False)
    return tiny, version, bare


def html(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def test_datasets_page_lists_counts_and_models(client, sets):
    page = html(client, "/datasets/")
    assert page.count('class="dataset-row"') == 2
    assert 'data-slug="tiny"' in page and 'href="/datasets/tiny/"' in page
    assert "ease v1" in page and "no model yet" in page
    assert 'href="/rate/?dataset=bare"' in page


def test_dataset_page_searches_and_pages_the_catalogue_and_users(client, sets):
    page = html(client, "/datasets/tiny/")
    assert page.count('class="catalogue-item"') == 24 and page.count('class="user-link"') == 48
    assert "page 1 of 2 (31 items)" in page
    searched = html(client, "/datasets/tiny/?q=never")
    assert searched.count('class="catalogue-item"') == 1 and "Never Rated (2001)" in searched
    second = html(client, "/datasets/tiny/?page=2")
    assert second.count('class="catalogue-item"') == 7
    assert html(client, "/datasets/tiny/?page=zzz").count('class="catalogue-item"') == 24  # tolerant paging
    users = html(client, "/datasets/tiny/?u=u1")
    assert set(re.findall(r'href="/datasets/tiny/users/([^/]+)/"', users)) == {f"u{i}" for i in (1, *range(10, 20))}
    html(client, "/datasets/nope/", status=404)


def test_user_page_shows_history_and_explained_recommendations(client, sets):
    tiny, _, _ = sets
    user = tiny.users.get(external_id="u2")
    page = html(client, "/datasets/tiny/users/u2/")
    rec_ids = {int(i) for i in re.findall(r'class="rec-item" data-item-id="(\d+)"', page)}
    history_ids = {int(i) for i in re.findall(r'class="history-item" data-item-id="(\d+)"', page)}
    assert len(rec_ids) == 19 and history_ids == set(user.ratings.values_list("item_id", flat=True))
    assert not rec_ids & history_ids
    assert "because you liked" in page
    html(client, "/datasets/tiny/users/nobody/", status=404)


def test_pages_without_a_model_say_why_and_follow_the_training_job(client, sets, monkeypatch):
    _, _, bare = sets
    page = html(client, "/datasets/bare/users/u0/")
    assert 'id="model-state"' in page and "train one" in page and "<job-progress" not in page
    monkeypatch.setattr("apps.core.services.job_enqueue", lambda *, job: None)
    from apps.core.services import training_job_start

    job = training_job_start(kind="recommender", dataset="bare", model="ease")
    page = html(client, "/datasets/bare/users/u0/")
    assert f'<job-progress data-job="{job.id}"' in page
    item = bare.items.first()
    assert f'data-job="{job.id}"' in html(client, f"/items/{item.id}/")
    assert f'data-job="{job.id}"' in html(client, "/rate/?dataset=bare")
    assert f'data-job="{job.id}"' in html(client, "/datasets/")


def test_item_page_lists_similar_items(client, sets):
    tiny, _, _ = sets
    item = tiny.items.get(external_id="m3")
    page = html(client, f"/items/{item.id}/")
    similar = [int(i) for i in re.findall(r'class="similar-item" data-item-id="(\d+)"', page)]
    assert len(similar) == 20 and item.id not in similar
    assert "Film 3 (1983)" in page and "Drama" in page
    assert "1983 ·" not in page  # the title has the year already: not twice
    html(client, "/items/987654321/", status=404)


def test_item_page_rates_into_the_rate_pages_ratings(client, sets):
    tiny, _, _ = sets
    item = tiny.items.get(external_id="m3")
    page = html(client, f"/items/{item.id}/")
    section = re.search(r'<section id="rate-this"[^>]*>', page).group(0)
    assert 'data-dataset="tiny"' in section and f'data-item-id="{item.id}"' in section
    assert re.findall(r'aria-label="(\d star\w*)"', page) == ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]
    assert "recommender/item_rate.js" in page and 'href="/rate/?dataset=tiny"' in page
    assert finders.find("recommender/item_rate.js")
    # The same storage as rate.js, so /rate/ sees the rating.
    rate_js = open(finders.find("recommender/rate.js")).read()
    item_js = open(finders.find("recommender/item_rate.js")).read()
    assert '"aeweb.rate." + config.dataset' in rate_js and '"aeweb.rate." + box.dataset.dataset' in item_js


def test_pages_say_counts_in_words(client, sets):
    dataset = html(client, "/datasets/tiny/")
    assert ">User u1</a>" in dataset and ">user u1<" not in dataset
    assert re.search(r"\d+ ratings on a", dataset)
    tiny, _, _ = sets
    user = tiny.users.get(external_id="u2")
    page = html(client, "/datasets/tiny/users/u2/")
    assert f"{user.n_ratings} rating{'s' if user.n_ratings != 1 else ''} in" in page
    assert page.count('class="table-scroll"') == 1


def test_rate_page_has_the_elements_and_config_the_script_needs(client, sets):
    page = html(client, "/rate/?dataset=tiny")
    for marker in ('id="rate-search"', 'id="rate-results"', 'id="recs"', 'id="rated"', 'id="recs-status"',
                   'id="rate-dataset"', "recommender/rate.js", 'id="recs-panel"', 'id="recs-toggle"',
                   'class="where-wide">on the right', 'class="where-narrow">in the panel pinned'):  # fmt: skip
        assert marker in page, marker
    config = json.loads(re.search(r'<script id="rate-config" type="application/json">(.*?)</script>', page).group(1))
    assert config == {
        "dataset": "tiny",
        "stars": [1, 2, 3, 4, 5],
        "itemsUrl": "/api/datasets/tiny/items/",
        "foldinUrl": "/api/datasets/tiny/recommendations/",
        "k": 20,
    }
    assert 'id="model-state"' not in page
    assert 'data-dataset="tiny"' in html(client, "/rate/")  # by default the data set with a model
    html(client, "/rate/?dataset=nope", status=404)
    assert finders.find("recommender/rate.js") and finders.find("recommender/recommender.css")


def test_rate_page_without_any_data_set(client, db):
    assert "import_ratings" in html(client, "/rate/")
    assert "No data sets yet" in html(client, "/datasets/")


def test_reading_pages_work_while_the_broker_is_down(client, sets):
    tiny, _, _ = sets
    item = tiny.items.first()
    with broker_down():
        for url in ("/datasets/", "/datasets/tiny/", "/datasets/tiny/users/u0/", f"/items/{item.id}/", "/rate/", "/"):
            html(client, url)


# --- admin ------------------------------------------------------------------------------------------------


@pytest.fixture
def staff_browser(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def test_admin_lists_are_read_only_with_counts(staff_browser, sets):
    page = html(staff_browser, "/admin/recommender/dataset/")
    assert "tiny" in page and "ease v1" in page and "Retrain the recommender on the selected data sets" in page
    assert "/admin/recommender/dataset/add/" not in page
    assert "Film 3 (1983)" in html(staff_browser, "/admin/recommender/item/?q=Film+3")
    assert "u47" in html(staff_browser, "/admin/recommender/datasetuser/?q=u47")
    tiny = Dataset.objects.get(slug="tiny")
    assert staff_browser.post(f"/admin/recommender/dataset/{tiny.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Dataset.objects.filter(pk=tiny.pk).exists()


def test_admin_retrain_action_starts_one_job_per_data_set(staff_browser, sets, monkeypatch):
    tiny, _, bare = sets
    monkeypatch.setattr("apps.core.services.job_enqueue", lambda *, job: None)
    response = staff_browser.post(
        "/admin/recommender/dataset/", {"action": "retrain", "_selected_action": [tiny.pk, bare.pk]}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/core/job/"
    jobs = Job.objects.filter(kind="train.recommender")
    assert sorted(j.params["dataset"] for j in jobs) == ["bare", "tiny"]
    assert {j.params["model"] for j in jobs} == {"ensemble"}  # the default up to a dense-sized catalogue
    response = staff_browser.post("/admin/recommender/dataset/", {"action": "retrain", "_selected_action": [tiny.pk]})
    assert response.status_code == 302 and Job.objects.count() == 2  # refused: already queued for tiny


def test_signed_in_visitor_gets_the_csrf_cookie_the_rate_page_posts_with(sets, staff_user):
    tiny, _, _ = sets
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    html(client, "/rate/?dataset=tiny")
    token = client.cookies["csrftoken"].value
    body = json.dumps({"ratings": [{"item": tiny.items.first().id, "rating": 5}], "k": 3})
    url = "/api/datasets/tiny/recommendations/"
    assert client.post(url, body, content_type="application/json").status_code == 403  # no token: refused
    response = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and len(response.json()["items"]) == 3
