"""The gallery in Chromium: open it, generate, see the new images appear, make an interpolation."""

from __future__ import annotations

import pytest

from tests.integration.gallery.conftest import fashion_dir, throttle_reset  # noqa: F401  (fixtures)
from tests.integration.gallery.helpers import train_tiny

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_generate_then_interpolate(live_server, page, celery_worker, fashion_dir):  # noqa: F811
    train_tiny()
    page.goto(f"{live_server.url}/gallery/")
    assert page.locator("#grid .gallery-item").count() == 0
    page.fill("#generate-form input[name=count]", "6")
    page.fill("#generate-form input[name=seed]", "5")
    page.click("#generate-button")
    page.wait_for_selector('#generate-progress job-progress[data-status="succeeded"]', timeout=120_000)
    items = page.locator("#grid .gallery-item.new")
    items.nth(5).wait_for()
    assert items.count() == 6
    assert page.locator("#grid .gallery-item img").first.evaluate("img => img.naturalWidth") == 28
    rendering = page.locator("#grid .gallery-item img").first.evaluate("img => getComputedStyle(img).imageRendering")
    assert rendering in ("pixelated", "crisp-edges")

    items.nth(0).click()
    items.nth(5).click()
    assert page.locator("#grid .gallery-item.selected").count() == 2
    page.fill("#interp-steps", "5")
    page.click("#interpolate-button")
    page.wait_for_selector('#interp-progress job-progress[data-status="succeeded"]', timeout=120_000)
    frames = page.locator("#interp-strip img.strip-frame")
    frames.nth(4).wait_for()
    assert frames.count() == 5

    page.reload()  # the new images are part of the server-rendered grid now
    assert page.locator("#grid .gallery-item").count() == 6
