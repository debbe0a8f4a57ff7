"""Inpainting in Chromium through the real worker: pick an item, paint strokes with the mouse, fill, follow the
progress to the result (before/after, the baselines' table and fills); a server-drawn mask on a photo; the page
fits a phone and a laptop screen, logs no error and loads nothing from outside. Screenshots go to
var/screenshots/ (or AEWEB_SCREENSHOT_DIR)."""

from __future__ import annotations

import re

import pytest

from tests.browser.watched import Watched
from tests.conftest import DATA_DIR
from tests.integration.inpaint.conftest import inpaint_fresh, inpainters_register  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watched_open(browser, live_server, width: int) -> Watched:
    # A phone-sized screen has a touch screen: painting there goes through touch pointer events.
    return Watched(browser, live_server, width, touch=width < 600)


@pytest.fixture
def models(db):
    if not (DATA_DIR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    return inpainters_register()


def mask_share(page) -> float:
    return float(page.locator("#mask-coverage").get_attribute("data-share"))


def test_paint_an_item_fill_and_compare_with_the_baselines(live_server, browser, celery_worker, models):
    watched = watched_open(browser, live_server, 1366)
    page = watched.page
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=Inpaint")
    page.wait_for_url("**/inpaint/")
    assert "deleted after 24 hours" in page.locator(".retention").inner_text()
    page.click('.sample[data-sample="item-19"]')
    page.wait_for_selector("#editor:not([hidden])")
    page.wait_for_function("() => document.getElementById('mask-canvas').width === 28")
    assert page.locator("#editor-stage").bounding_box()["width"] >= 300  # 28×28 shown large enough to paint
    assert mask_share(page) == 0
    # Two strokes with the mouse across the middle of the item.
    page.locator("#editor-stage").scroll_into_view_if_needed()
    box = page.locator("#mask-canvas").bounding_box()
    for y in (0.4, 0.6):
        page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * y, steps=8)
        page.mouse.up()
    painted = mask_share(page)
    assert 0.05 < painted < 0.6, painted
    page.click("#mask-undo")
    assert 0 < mask_share(page) < painted
    page.click("#mask-clear")
    assert mask_share(page) == 0
    page.click("#mask-undo")  # back to one stroke
    one_stroke = mask_share(page)
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.6, steps=8)
    page.mouse.up()
    assert mask_share(page) > one_stroke
    watched.check("inpaint-editor-item")

    page.click("#inpaint-submit")
    page.wait_for_url(re.compile(r".*/inpaint/[0-9a-f-]{36}/$"))
    page.wait_for_selector("#compare", timeout=180_000)  # the progress component reloads the page when done
    rows = page.locator("#inpaint-metrics tbody tr")
    assert rows.count() == 5  # the model and four baselines
    methods = [rows.nth(k).get_attribute("data-method") for k in range(rows.count())]
    assert methods == ["model", "telea", "navier_stokes", "biharmonic", "pca64"]
    assert "dB" in rows.nth(0).inner_text()
    assert page.locator("#inpaint-metrics tbody b").count() >= 3
    assert page.locator("#inpaint-details").inner_text().count("painted") == 1
    for img in page.locator("#inpaint-gallery img").all():
        assert img.evaluate("el => el.complete && el.naturalWidth") == 28
    assert page.locator("#inpaint-gallery figure").count() == 3 + 5
    assert page.locator("#download-output").get_attribute("href").startswith("/media/inpaint/")
    watched.check("inpaint-result-item")
    watched.context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_a_drawn_mask_on_a_photo_and_the_page_fits_the_screen(width, live_server, browser, celery_worker, models):
    watched = watched_open(browser, live_server, width)
    page = watched.page
    page.goto(f"{live_server.url}/inpaint/")
    watched.check("inpaint-index")
    page.click('.sample[data-sample="coffee"]')
    page.wait_for_selector("#editor:not([hidden])")
    page.wait_for_function("() => document.getElementById('mask-canvas').width > 28")
    if width < 600:  # a finger's tap paints a dot of the brush's size
        page.locator("#editor-stage").scroll_into_view_if_needed()
        box = page.locator("#mask-canvas").bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert 0 < mask_share(page) < 0.05
        assert "painted" in page.locator("#mask-coverage").inner_text()
    page.eval_on_selector("#coverage", "el => { el.value = '30'; el.dispatchEvent(new Event('input')); }")
    page.click('.mask-kind[data-kind="boxes"]')
    # The server draws the boxes: wait for its mask (a tap above already left a painted share above 0).
    page.wait_for_function("() => document.getElementById('mask-coverage').textContent.includes('boxes')")
    assert 0.2 < mask_share(page) < 0.4
    assert "boxes" in page.locator("#mask-coverage").inner_text()
    watched.check("inpaint-editor-photo")
    page.click("#inpaint-submit")
    page.wait_for_url(re.compile(r".*/inpaint/[0-9a-f-]{36}/$"))
    page.wait_for_selector("#compare", timeout=180_000)
    assert page.locator("#inpaint-metrics tbody tr").count() == 4  # the model and three baselines
    assert "random boxes" in page.locator("#inpaint-details").inner_text()
    watched.check("inpaint-result-photo")
    watched.context.close()
