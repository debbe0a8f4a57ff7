"""The recommender's key flows in Chromium: rate five movies; retrain from the admin."""

from __future__ import annotations

import pytest

from apps.core import services as core_services
from apps.core.models import ActiveModel
from apps.core.runner import job_execute
from apps.recommender import services
from apps.recommender.serving import serving_cache_clear
from apps.recommender.sources import synthetic_ratings_write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_caches():
    serving_cache_clear()
    yield
    serving_cache_clear()


def train_now(slug: str, model: str, **config):
    job = core_services.training_job_start(kind="recommender", dataset=slug, model=model, config=config, enqueue=False)
    job = job_execute(job_id=job.id)
    assert job.status == "succeeded", job.error
    return job


def test_rate_five_movies_then_see_recommendations(live_server, page, ml100k_dir):
    services.dataset_import(path=ml100k_dir, fmt="ml-100k", slug="ml-100k", name="MovieLens 100K")
    train_now("ml-100k", "ease", ease_lambda=300.0)
    page.goto(f"{live_server.url}/rate/?dataset=ml-100k")
    rated_titles = []
    for query in ["Star Wars", "Empire Strikes", "Raiders of the Lost", "Return of the Jedi", "Indiana Jones"]:
        page.fill("#rate-search", query)
        item = page.locator("#rate-results .rate-item").filter(has_text=query.split()[0]).first
        item.wait_for()
        rated_titles.append(item.inner_text())
        item.locator('.stars button[data-value="5"]').click()
    assert page.locator("#rated .rated-item").count() == 5
    page.wait_for_selector('#recs[data-state="ready"]')
    recs = page.locator("#recs .rec-item")
    assert recs.count() >= 5
    shown = recs.all_inner_texts()
    assert not any(text.split("\n")[0] in rated for text in shown for rated in rated_titles)
    assert page.locator("#recs .rec-item .because").first.inner_text().strip() != ""


def test_admin_retrains_and_the_new_version_becomes_active(live_server, page, celery_worker, staff_user, tmp_path):
    path = synthetic_ratings_write(tmp_path / "ratings.csv", n_users=250, n_items=300)
    services.dataset_import(path=path, fmt="csv", slug="small", name="Small synthetic")
    first = train_now("small", "ease")
    old_version = first.result["model_version"]

    page.goto(f"{live_server.url}/admin/login/?next=/admin/recommender/dataset/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "staff-pass-123")
    page.click("input[type=submit]")
    page.locator("tr", has_text="small").locator("input.action-select").check()
    page.select_option("select[name=action]", "retrain")
    page.click("button[name=index]")
    page.wait_for_url("**/jobs/*/")
    page.locator("job-progress .job-detail").filter(has_text="epoch").wait_for(timeout=120_000)
    page.wait_for_selector('job-progress[data-status="succeeded"]', timeout=240_000)
    assert "active" in page.locator("#job-result").inner_text()
    active = ActiveModel.objects.get(kind="recommender", dataset="small").model_version
    assert active.id != old_version and active.version == 2
