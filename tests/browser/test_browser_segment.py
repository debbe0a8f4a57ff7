"""Segmentation in Chromium through the real worker: pick a generated scene, segment it, follow the progress to
the result; the legend lists the classes with their areas, the opacity slider changes the mask's opacity over the
image, the true mask and the scores are beside it; a new random scene joins the row. Both pages fit a phone and
a laptop screen, log no error and load nothing from outside. Screenshots go to var/screenshots/ (or
AEWEB_SCREENSHOT_DIR)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.test_browser_pages import nav_follow
from tests.browser.test_browser_representations import Watched
from tests.integration.segment.conftest import fashion_dir, segment_fresh, tiny_segmenter_register  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("AEWEB_SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots")


def shot(watched: Watched, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    watched.page.screenshot(path=str(SHOTS / f"{name}-{watched.width}.png"), full_page=True)


def scene_model():
    """The shipped Fashionopolis weights (a real picture on the screenshots), else a tiny untrained model."""
    from apps.segment.selectors import segmenter_active
    from apps.segment.shipped import segmenter_weights_register

    segmenter_weights_register(activate=True)
    return segmenter_active("fashionopolis") or tiny_segmenter_register(
        "fashionopolis", miou=0.5, pixel_accuracy=0.9, iou={"background": 0.9, "Trouser": 0.1}
    )


def opacity(page) -> float:
    return float(page.eval_on_selector("#seg-mask", "el => getComputedStyle(el).opacity"))


@pytest.mark.parametrize("width", [1366, 390])
def test_pick_a_scene_segment_it_and_see_the_overlay(width, live_server, browser, celery_worker, fashion_dir):  # noqa: F811
    version = scene_model()
    watched = Watched(browser, live_server, width)
    page = watched.page
    try:
        watched.visit("/")
        nav_follow(page, "Segment")
        page.wait_for_url("**/segment/")
        assert f"v{version.version}" in page.locator("#scene-model").inner_text()
        thumbs = page.locator("#scene-picks .seg-pick[data-sample] img")
        assert thumbs.count() == 8
        page.wait_for_function(
            "() => [...document.querySelectorAll('#scene-picks img')].every(i => i.complete && i.naturalWidth === 128)"
        )
        assert page.locator("#segment-button").is_disabled()
        # A new random scene joins the row, chosen.
        page.click("#scene-new")
        fresh = page.locator("#scene-picks .seg-pick[data-sample]").nth(8)
        assert fresh.get_attribute("aria-pressed") == "true"
        assert re.fullmatch(r"scene-\d+", fresh.get_attribute("data-sample"))
        page.wait_for_function("() => document.querySelectorAll('#scene-picks img')[8].naturalWidth === 128")
        page.click('.seg-pick[data-sample="scene-3"]')
        assert page.locator('.seg-pick[data-sample="scene-3"]').get_attribute("aria-pressed") == "true"
        assert fresh.get_attribute("aria-pressed") == "false"
        assert "scene 3" in page.locator("#seg-chosen").inner_text()
        watched.check("segment-index")
        shot(watched, "segment-index")

        page.click("#segment-button")
        page.wait_for_url(re.compile(r".*/segment/[0-9a-f-]{36}/$"))
        page.wait_for_selector("#seg-legend", timeout=120_000)  # the progress component reloads the page when done

        rows = page.locator("#seg-legend tr[data-class]")
        assert rows.count() == 11 and rows.first.get_attribute("data-class") == "background"
        shares = [
            float(t.rstrip(" %")) for t in page.locator("#seg-legend tr[data-class] td:nth-child(2)").all_inner_texts()
        ]
        assert sum(shares) == pytest.approx(100, abs=0.6)
        swatch = page.locator("#seg-legend tr[data-class] rect").first.get_attribute("fill")
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", swatch)
        for img in page.locator("#seg-stage img").all():
            assert img.evaluate("el => el.complete && el.naturalWidth") == 128
        stage = page.locator("#seg-stage").bounding_box()
        assert stage["width"] >= min(256, width - 40)  # enlarged from 128 px to a readable size
        assert (
            page.eval_on_selector("#seg-stage .seg-image", "el => getComputedStyle(el).imageRendering") == "pixelated"
        )
        mask_box = page.locator("#seg-mask").bounding_box()
        image_box = page.locator("#seg-stage .seg-image").bounding_box()
        assert mask_box == image_box  # the mask lies exactly over the image

        # The opacity slider: client-side, the mask over the image at the chosen opacity.
        assert opacity(page) == pytest.approx(0.5) and page.locator("#seg-opacity-value").inner_text() == "50 %"
        page.eval_on_selector("#seg-opacity", "el => { el.value = '20'; el.dispatchEvent(new Event('input')); }")
        assert opacity(page) == pytest.approx(0.2) and page.locator("#seg-opacity-value").inner_text() == "20 %"
        page.locator("#seg-opacity").focus()
        page.keyboard.press("End")
        assert opacity(page) == pytest.approx(1.0)

        # The truth beside it, the scores against it, the model's figures, downloads, the privacy note.
        assert page.locator("#seg-truth").evaluate("el => el.complete && el.naturalWidth") == 128
        assert "mIoU" in page.locator("#seg-scores").inner_text()
        classes = len(version.metrics["iou"])
        assert page.locator("#seg-figures tr").count() == classes + 3  # a header, the classes, mIoU, pixel accuracy
        for link in ("#download-mask", "#download-overlay", "#download-labels"):
            assert page.locator(link).get_attribute("href").startswith("/media/segment/")
        assert "deleted after 24 hours" in page.locator(".retention").inner_text()
        page.eval_on_selector("#seg-opacity", "el => { el.value = '60'; el.dispatchEvent(new Event('input')); }")
        watched.check("segment-result")
        shot(watched, "segment-result")
    finally:
        watched.close()


def test_upload_an_image_and_segment_it(live_server, browser, celery_worker):
    from tests.integration.denoise import files

    tiny_segmenter_register("fashionopolis")
    watched = Watched(browser, live_server, 1366)
    page = watched.page
    try:
        watched.visit("/segment/")
        # The EM model is missing, so its choice is offered but disabled.
        assert page.locator('#segment-dataset option[value="isbi-em"]').is_disabled()
        page.set_input_files(
            "#segment-file", files=[{"name": "mine.png", "mimeType": "image/png", "buffer": files.png((300, 200))}]
        )
        assert "mine.png" in page.locator("#seg-chosen").inner_text()
        assert page.locator(".seg-pick[aria-pressed=true]").count() == 0
        page.click("#segment-button")
        page.wait_for_url(re.compile(r".*/segment/[0-9a-f-]{36}/$"))
        page.wait_for_selector("#seg-legend", timeout=120_000)
        assert page.locator("#seg-no-truth").is_visible() and page.locator("#seg-truth").count() == 0
        assert page.locator("#seg-mask").evaluate("el => el.complete && el.naturalWidth") == 300
        assert page.locator("#seg-stage .seg-image").bounding_box()["width"] == 300  # shown at its own size
        watched.check("segment-upload-result")
    finally:
        watched.close()


def test_an_em_slice_on_a_phone(live_server, browser, celery_worker):
    from apps.segment.ml.isbi import isbi_dir
    from tests.conftest import DATA_DIR

    if isbi_dir(DATA_DIR) is None:
        pytest.skip("the ISBI 2012 EM slices are not found (set AEWEB_DATA_DIR)")
    tiny_segmenter_register("isbi-em")
    watched = Watched(browser, live_server, 390)
    page = watched.page
    try:
        watched.visit("/segment/")
        assert page.locator("#em-picks .seg-pick").count() == 6  # the held-out slices; the rest folded away
        assert not page.locator("#em-train-slices .seg-pick").first.is_visible()
        page.click('#em-picks .seg-pick[data-sample="em-25"]')
        watched.check("segment-index-em")
        shot(watched, "segment-index-em")
        page.click("#segment-button")
        page.wait_for_url(re.compile(r".*/segment/[0-9a-f-]{36}/$"))
        page.wait_for_selector("#seg-legend", timeout=120_000)
        assert page.locator("#seg-legend tr[data-class]").all_inner_texts()[1].strip().startswith("membrane")
        assert page.locator("#seg-mask").evaluate("el => el.complete && el.naturalWidth") == 512
        assert page.locator("#seg-stage").bounding_box()["width"] <= 390  # shrunk to the phone, not enlarged
        watched.check("segment-result-em")
        shot(watched, "segment-result-em")
    finally:
        watched.close()
