"""The gallery in Chromium at a phone's and a laptop's width: a first visit shows images (seed_demo's
job run by a real worker), generating and interpolating, the map and reconstructions redrawn without
a reload, images of another model version refused in the page, MNIST's labels as digits.
Screenshots go to var/screenshots/gallery-*.png (or AEWEB_SCREENSHOT_DIR)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from apps.gallery.demo import demo_seed, weights_manifest
from apps.gallery.models import GeneratedImage
from tests.browser.watched import Watched
from tests.conftest import job_wait
from tests.integration.gallery.conftest import fashion_dir, throttle_reset  # noqa: F401  (fixtures)
from tests.integration.gallery.helpers import fake_version, train_tiny

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIRST = 24  # seed_demo's first images per data set


def watched_open(browser, live_server, width: int) -> Watched:
    return Watched(browser, live_server, width, height=900 if width > 600 else 844)


def shipped(dataset: str) -> bool:
    return any(e["dataset"] == dataset and e["slot"] == "default" for e in weights_manifest())


def badge(page) -> str:
    return page.locator("#image-count").inner_text()


def thumbnail_check(page) -> None:
    img = page.locator("#grid .gallery-item img").first
    assert img.evaluate("img => img.naturalWidth") == 28
    assert img.evaluate("img => getComputedStyle(img).imageRendering") in ("pixelated", "crisp-edges")
    width = img.bounding_box()["width"]
    assert 100 <= width <= 140, f"thumbnails {width:.0f} px wide"


@pytest.mark.parametrize("width", [1366, 390])
def test_first_visit_shows_the_seeded_images(width, live_server, browser, worker_factory, fashion_dir):  # noqa: F811
    demo_seed(out=io.StringIO(), train=True)  # registers the shipped weights, queues the first images
    watched = watched_open(browser, live_server, width)
    page = watched.page
    watched.visit("/gallery/")
    empty = page.locator("#grid-empty")
    assert empty.is_visible() and "on their way" in empty.inner_text()
    assert empty.bounding_box()["width"] >= 0.9 * page.locator("#grid-section").bounding_box()["width"]
    assert badge(page) == "0 images"
    page.evaluate("window.galleryMarker = 'no reload'")

    worker_factory()  # the worker only now: the page must pick the images up by itself
    page.wait_for_function(f"() => document.querySelectorAll('#grid .gallery-item').length === {FIRST}", timeout=60_000)
    assert page.evaluate("window.galleryMarker") == "no reload"
    assert badge(page) == f"{FIRST} images" and empty.is_hidden()
    page.wait_for_function("() => [...document.querySelectorAll('#grid img')].every(i => i.complete && i.naturalWidth)")
    thumbnail_check(page)
    watched.check("gallery-first-visit")

    page.reload()  # the same images, now from the server
    assert page.locator("#grid .gallery-item").count() == FIRST and badge(page) == f"{FIRST} images"


@pytest.mark.parametrize("width", [1366, 390])
def test_map_and_reconstruct_in_place_keep_the_strip(width, live_server, browser, celery_worker, fashion_dir):  # noqa: F811
    for job in demo_seed_jobs():
        assert job_wait(job.id).status == "succeeded"
    mine = GeneratedImage.objects.filter(model_version__dataset="fashion-mnist").first()
    foreign = foreign_image(mine)
    watched = watched_open(browser, live_server, width)
    page = watched.page
    watched.visit("/gallery/")
    page.evaluate("window.galleryMarker = 'no reload'")
    items = page.locator("#grid .gallery-item")
    assert items.count() == FIRST + 1 and badge(page) == f"{FIRST + 1} images"
    other = page.locator(f'#grid .gallery-item[data-version="{foreign.model_version_id}"]')
    own = page.locator(f'#grid .gallery-item[data-version="{mine.model_version_id}"]')

    own.nth(0).click()
    info = page.locator("#selection-info")
    assert "other-version" in other.get_attribute("class") and other.get_attribute("aria-disabled") == "true"
    assert "greyed out" in info.inner_text() and re.search(r"image \d+ on this page", info.inner_text())
    other.click(force=True)  # aria-disabled, so Playwright would not; a person can: refused, with the reason
    assert "other-version" in other.get_attribute("class") and "selected" not in other.get_attribute("class")
    assert "model version" in page.locator("#interp-error").inner_text()
    own.nth(5).click()
    text = info.inner_text()
    assert re.fullmatch(r"Walk from image \d+ on this page to image \d+ on this page\.", text.strip()), text
    assert info.locator("img").count() == 2

    page.fill("#interp-steps", "5")
    page.click("#interpolate-button")
    page.wait_for_selector('#interp-progress job-progress[data-status="succeeded"]', timeout=120_000)
    frames = page.locator("#interp-strip img.strip-frame")
    frames.nth(4).wait_for()

    page.click("#latent-map-button")
    page.wait_for_selector('#latent-map-progress job-progress[data-status="succeeded"]', timeout=120_000)
    page.wait_for_function(
        "() => { const m = document.getElementById('latent-map'); return m.complete && m.naturalWidth > 0 }"
    )
    assert page.locator("#map-wrap").is_visible() and page.locator("#latent-map-button").inner_text() == "Draw again"
    box = page.locator("#latent-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    assert page.locator("#map-z").inner_text() != "z = (—, —)"

    page.click("#reconstruct-button")
    page.wait_for_selector('#reconstruct-progress job-progress[data-status="succeeded"]', timeout=120_000)
    page.locator("#recon-outputs img").nth(7).wait_for()
    assert page.locator("#recon-originals img").count() == 8

    assert page.evaluate("window.galleryMarker") == "no reload"
    assert frames.count() == 5 and items.count() == FIRST + 1
    watched.check("gallery-map-reconstruct")


@pytest.mark.parametrize("width", [390])
def test_mnist_tab_lists_digits(width, live_server, browser, celery_worker, fashion_dir):  # noqa: F811
    for job in demo_seed_jobs():
        assert job_wait(job.id).status == "succeeded"
    if not shipped("mnist"):
        fake_version(dataset="mnist")  # the page's labels come from the data set, not from a model
    watched = watched_open(browser, live_server, width)
    page = watched.page
    watched.visit("/gallery/")
    page.click(".dataset-switch a[data-dataset=mnist]")
    page.wait_for_url("**dataset=mnist")
    digits = [str(i) for i in range(10)]
    assert page.locator("#label-filter option").all_inner_texts() == ["all", *digits]
    if shipped("mnist"):
        assert page.locator("#generate-form select[name=label] option").all_inner_texts()[1:] == digits
        assert page.locator("#grid .gallery-item").count() == FIRST and badge(page) == f"{FIRST} images"
        thumbnail_check(page)
    watched.check("gallery-mnist")


def test_generate_then_interpolate(live_server, page, celery_worker, fashion_dir):  # noqa: F811
    train_tiny()
    page.goto(f"{live_server.url}/gallery/")
    assert page.locator("#grid .gallery-item").count() == 0
    assert page.locator("#empty-generate").is_visible()
    page.fill("#generate-form input[name=count]", "6")
    page.fill("#generate-form input[name=seed]", "5")
    page.click("#generate-button")
    page.wait_for_selector('#generate-progress job-progress[data-status="succeeded"]', timeout=120_000)
    items = page.locator("#grid .gallery-item.new")
    items.nth(5).wait_for()
    assert items.count() == 6 and badge(page) == "6 images" and page.locator("#grid-empty").is_hidden()

    items.nth(0).click()
    assert page.locator("#selection-info").inner_text().strip() == "Picked image 1 on this page; pick one more."
    items.nth(5).click()
    assert page.locator("#grid .gallery-item.selected").count() == 2
    page.fill("#interp-steps", "5")
    page.click("#interpolate-button")
    page.wait_for_selector('#interp-progress job-progress[data-status="succeeded"]', timeout=120_000)
    frames = page.locator("#interp-strip img.strip-frame")
    frames.nth(4).wait_for()
    assert frames.count() == 5

    page.reload()  # the new images are part of the server-rendered grid now
    assert page.locator("#grid .gallery-item").count() == 6 and badge(page) == "6 images"


def demo_seed_jobs():
    from apps.core.models import Job

    demo_seed(out=io.StringIO(), train=True)
    return list(Job.objects.filter(kind="gallery.generate"))


def foreign_image(image: GeneratedImage) -> GeneratedImage:
    """An image of another (inactive) model version: a copy of `image`'s PNG under a new name."""
    version = fake_version(activate=False)
    source = Path(settings.MEDIA_ROOT) / image.file
    target = source.with_name("foreign.png")
    shutil.copyfile(source, target)
    return GeneratedImage.objects.create(
        file=str(target.relative_to(settings.MEDIA_ROOT)), model_version=version, latent=image.latent
    )
