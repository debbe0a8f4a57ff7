"""The recommender's key flows in Chromium: rate five movies; rate on a phone with the recommendations
in view; rate from an item page into the same ratings; every recommender page fits a phone and a laptop
(390 × 844, 1366 × 900) without sideways scroll; retrain from the admin. Screenshots go to
var/screenshots/recommender-*.png (or AEWEB_SCREENSHOT_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from apps.core import services as core_services
from apps.core.models import ActiveModel
from apps.core.runner import job_execute
from apps.recommender import services
from apps.recommender.models import DatasetUser, Item
from apps.recommender.serving import serving_cache_clear
from apps.recommender.sources import synthetic_ratings_write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("AEWEB_SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots")
SIZES = {390: 844, 1366: 900}


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


@pytest.fixture
def ml100k_model(ml100k_dir):
    services.dataset_import(path=ml100k_dir, fmt="ml-100k", slug="ml-100k", name="MovieLens 100K")
    train_now("ml-100k", "ease", ease_lambda=300.0)


def test_rate_five_movies_then_see_recommendations(live_server, page, ml100k_model):
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
    reasons = page.locator("#recs .rec-item .because").all_inner_texts()
    assert reasons and reasons[0].strip() != ""
    assert len(set(reasons)) > 1, "every recommendation gives the same reasons"
    assert page.locator('#rate-results .stars button[data-value="1"]').first.get_attribute("aria-label") == "1 star"


def in_view(page, locator, height: int) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def no_sideways_scroll(page, what: str) -> None:
    wide, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= inner, f"{what} scrolls sideways: {wide} px wide in {inner}"


@pytest.mark.parametrize("width", sorted(SIZES))
def test_recommender_pages_at_phone_and_laptop_width(width, live_server, browser, ml100k_model):
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = SIZES[width]
    star_wars = Item.objects.get(dataset__slug="ml-100k", title="Star Wars (1977)")
    user = DatasetUser.objects.filter(dataset__slug="ml-100k").order_by("-n_ratings").first()
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        base = live_server.url
        pages = {
            "datasets": "/datasets/",
            "dataset": "/datasets/ml-100k/",
            "user": f"/datasets/ml-100k/users/{user.external_id}/",
            "item": f"/items/{star_wars.id}/",
            "rate": "/rate/?dataset=ml-100k",
        }
        for name, path in pages.items():
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(SHOTS / f"recommender-{name}-{width}.png"), full_page=True)
            no_sideways_scroll(page, path)
        page.goto(base + "/datasets/ml-100k/")
        assert page.locator(".user-link").first.inner_text().startswith("User ")

        # The item page: the year once, and a rating that lands in /rate/'s ratings.
        page.goto(base + f"/items/{star_wars.id}/")
        assert page.locator("#item-title").inner_text() == "Star Wars (1977)"
        assert "1977 ·" not in page.locator("#item-title + p").inner_text()
        assert page.locator('#rate-this .stars button[data-value="1"]').get_attribute("aria-label") == "1 star"
        page.click('#rate-this .stars button[data-value="4"]')
        assert "You rated it 4 stars" in page.locator("#rate-this-status").inner_text()
        assert page.locator('#rate-this .stars button[aria-pressed="true"]').get_attribute("data-value") == "4"
        page.click("#rate-this-link")
        page.wait_for_url("**/rate/?dataset=ml-100k")
        page.wait_for_selector('#recs[data-state="ready"]')
        assert page.locator("#rated .rated-item").count() == 1
        assert page.locator("#rated .rated-item .title").inner_text() == "Star Wars (1977)"
        assert "1 rating." in page.locator("#recs-status").inner_text()

        # Rating on /rate/: the recommendations are on screen right after, wherever the rated item was.
        narrow = width < 800
        assert page.locator(".where-narrow").is_visible() is narrow
        assert page.locator(".where-wide").is_visible() is not narrow
        results = page.locator("#rate-results .rate-item")
        results.nth(0).wait_for()
        for n in (0, 9, 14):
            updates = int(page.locator("#recs").get_attribute("data-updates"))
            row = results.nth(n)
            row.scroll_into_view_if_needed()
            row.locator('.stars button[data-value="5"]').click()
            # (the site's CSP forbids wait_for_function's eval: a selector waits instead)
            page.wait_for_selector(f'#recs[data-state="ready"]:not([data-updates="{updates}"])')
            assert in_view(page, page.locator("#recs .rec-item").first, height), f"recommendations out of view ({n})"
            assert in_view(page, page.locator("#recs-status"), height)
        page.screenshot(path=str(SHOTS / f"recommender-rate-after-rating-{width}.png"))
        no_sideways_scroll(page, "/rate/ after rating")
        panel, list_box = page.locator("#recs-panel").bounding_box(), page.locator("#rate-results").bounding_box()
        if narrow:  # the panel can fold down to its heading
            page.click("#recs-toggle")
            assert not page.locator("#recs").is_visible() and page.locator("#recs-heading").is_visible()
            page.click("#recs-toggle")
            assert page.locator("#recs").is_visible()
        else:  # two columns: the recommendations beside the list
            assert panel["x"] > list_box["x"] + list_box["width"] and not page.locator("#recs-toggle").is_visible()
        assert errors == []
    finally:
        context.close()


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
