"""Every page of the site in Chromium at a phone's 390 × 844 and a laptop's 1366 × 900: it answers, it never
scrolls sideways, it logs no error to the console and loads nothing from outside; the site menu folds behind its
button on the phone and opens on a tap; the 404 page is the site's own, with its navigation; the home page
updates by itself. Screenshots of every page at both widths go to var/screenshots/page-*.png (or
AEWEB_SCREENSHOT_DIR), for a look by eye."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from apps.core.models import Job, JobStatus
from apps.recommender import services
from apps.recommender.models import DatasetUser, Item
from tests.unit.recommender.test_web_services import files_write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("AEWEB_SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots")
SIZES = {390: 844, 1366: 900}

# (name, path, status): every page people reach from the menu, and the pages one click further.
PAGES = [
    ("home", "/", 200),
    ("datasets", "/datasets/", 200),
    ("dataset", "/datasets/pages/", 200),
    ("user", "/datasets/pages/users/{user}/", 200),
    ("item", "/items/{item}/", 200),
    ("rate", "/rate/", 200),
    ("denoise", "/denoise/", 200),
    ("gallery", "/gallery/", 200),
    ("representations", "/representations/", 200),
    ("representations-compare", "/representations/compare/", 200),
    ("representations-gan", "/representations/gan/", 200),
    ("anomaly", "/anomaly/", 200),
    ("inpaint", "/inpaint/", 200),
    ("segment", "/segment/", 200),
    ("models", "/models/", 200),
    ("job", "/jobs/{job}/", 200),
    ("not-found", "/no-such-page/", 404),
    ("admin-login", "/admin/login/", 200),
]


@pytest.fixture
def site(tmp_path) -> dict[str, str]:
    """A small rating set (no model: every page shows its empty state) and one finished job."""
    ratings, items = files_write(tmp_path / "set")
    dataset = services.dataset_import(path=ratings, items_path=items, slug="pages", name="Pages")
    job = Job.objects.create(kind="train.recommender", status=JobStatus.SUCCEEDED, progress=1.0, message="done")
    return {
        "user": DatasetUser.objects.filter(dataset=dataset).first().external_id,
        "item": str(Item.objects.filter(dataset=dataset).first().id),
        "job": str(job.id),
    }


def nav_follow(page, text: str) -> None:
    """Follow a site-menu link as a visitor would: on a phone, open the folded menu first."""
    toggle = page.locator(".nav-toggle")
    if toggle.is_visible():
        toggle.click()
    page.locator("#site-nav a", has_text=text).click()


def context_open(browser, width: int, base: str):
    """A page whose console errors and requests outside `base` are collected."""
    context = browser.new_context(viewport={"width": width, "height": SIZES[width]})
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "request",
        lambda r: (
            r.url.startswith(("http://", "https://"))
            and not r.url.startswith(base)
            and problems.append(f"outside request: {r.url}")
        ),
    )
    return context, page, problems


@pytest.mark.parametrize("width", sorted(SIZES))
def test_every_page_fits_the_screen_with_no_error(width, live_server, browser, site):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page, problems = context_open(browser, width, live_server.url)
    try:
        for name, path, status in PAGES:
            url = live_server.url + path.format(**site)
            before = len(problems)
            response = page.goto(url)
            assert response.status == status, f"{path}: {response.status}"
            page.wait_for_load_state("networkidle")
            if status == 404:  # Chromium logs the 404 itself as a console error; that one is expected
                del problems[before:]
            page.screenshot(path=str(SHOTS / f"page-{name}-{width}.png"), full_page=True)
            scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll[0] <= scroll[1], f"{path} scrolls sideways at {width} px: {scroll[0]} px wide"
            if not path.startswith("/admin/"):
                assert page.locator("header.topbar .brand").is_visible(), path
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


def test_the_phone_menu_folds_and_opens(live_server, browser, site):
    context, page, problems = context_open(browser, 390, live_server.url)
    try:
        page.goto(live_server.url + "/")
        toggle = page.locator(".nav-toggle")
        assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        assert not page.locator("#site-nav a", has_text="Gallery").is_visible()
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] < 80  # the links no longer fill the first screen
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        page.locator("#site-nav a", has_text="Gallery").click()
        page.wait_for_url("**/gallery/")
        assert page.locator("#site-nav a[aria-current=page]").inner_text() == "Gallery"
        assert problems == []
    finally:
        context.close()
    context, page, problems = context_open(browser, 1366, live_server.url)
    try:
        page.goto(live_server.url + "/")
        assert not page.locator(".nav-toggle").is_visible()
        assert page.locator("#site-nav a", has_text="Gallery").is_visible()
    finally:
        context.close()


def test_not_found_is_the_sites_own_page(live_server, browser, site):
    context, page, _problems = context_open(browser, 390, live_server.url)
    try:
        response = page.goto(live_server.url + f"/jobs/{uuid.uuid4()}/")
        assert response.status == 404
        assert page.locator("h1").inner_text() == "Page not found"
        page.locator(".error-page a", has_text="Models").click()
        page.wait_for_url("**/models/")
        icon = page.locator("link[rel=icon]").get_attribute("href")
        assert page.request.get(live_server.url + icon).status == 200
    finally:
        context.close()


def test_the_home_page_updates_itself(live_server, browser, site, staff_user):
    """A job that finishes while the page is open shows as finished without a reload (staff see every job)."""
    context, page, problems = context_open(browser, 1366, live_server.url)
    try:
        page.goto(live_server.url + "/admin/login/?next=/")
        page.fill("#id_username", staff_user.username)
        page.fill("#id_password", "staff-pass-123")
        page.click("input[type=submit]")
        running = Job.objects.create(kind="train.vae", status=JobStatus.RUNNING, progress=0.4, message="epoch 2")
        page.goto(live_server.url + "/")
        row = page.locator(f"#home-jobs a[href='/jobs/{running.id}/']").locator("xpath=ancestor::tr")
        assert "running" in row.inner_text()
        page.evaluate("window.__marker = 1")  # gone if the page reloads
        Job.objects.filter(id=running.id).update(status=JobStatus.SUCCEEDED, progress=1.0, message="all done")
        page.wait_for_function(
            f"() => document.querySelector(\"#home-jobs a[href='/jobs/{running.id}/']\")"
            ".closest('tr').textContent.includes('succeeded')",
            timeout=15_000,
        )
        assert page.evaluate("window.__marker") == 1
        assert "all done" in row.inner_text()
        assert problems == []
    finally:
        context.close()
