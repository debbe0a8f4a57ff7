"""Denoising in Chromium: a sample with noise at best quality, the progress, the before/after slider."""

from __future__ import annotations

import re

import pytest

from apps.denoise.services import denoiser_weights_register
from tests.integration.denoise.conftest import tiny_weights_write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sample_with_noise_to_result_and_slider(live_server, page, celery_worker, tmp_path):
    from django.core.cache import cache

    cache.clear()  # the upload throttle counts per client
    denoiser_weights_register(folder=tiny_weights_write(tmp_path / "weights"))
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=Denoise")
    page.wait_for_url("**/denoise/")
    assert "deleted after 24 hours" in page.locator(".retention").inner_text()
    page.eval_on_selector(
        "#denoise-sigma", "el => { el.value = '30'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    assert page.locator("#sigma-value").inner_text() == "30"
    page.check("#denoise-ensemble")  # best quality: the mean over 8 flips and turns
    page.click('.sample[data-sample="astronaut"]')
    page.wait_for_url(re.compile(r".*/denoise/[0-9a-f-]{36}/$"))
    page.wait_for_selector("#compare", timeout=120_000)  # the progress component reloads the page when done

    assert "dB" in page.locator("#psnr").inner_text()
    assert page.locator("#denoise-metrics").inner_text().count("σ = 30.0") == 1
    assert "mean over 8 flips and turns" in page.locator("#self-ensemble").inner_text()
    for img in page.locator("#compare img").all():
        assert img.evaluate("el => el.complete && el.naturalWidth") == 512

    def position() -> str:
        return page.eval_on_selector("#compare", "el => el.style.getPropertyValue('--pos')")

    assert position() == "50%"
    box = page.locator("#compare").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, y, steps=5)
    page.mouse.up()
    assert float(position().rstrip("%")) < 30
    clip = page.eval_on_selector(".compare-after", "el => getComputedStyle(el).clipPath")
    assert clip.startswith("inset(") and "50%" not in clip
    assert page.locator("#download-output").get_attribute("href").startswith("/media/denoise/")


@pytest.mark.parametrize("width", [390, 1366])
def test_the_28x28_demo_runs_and_fits_the_screen(width, live_server, browser, celery_worker, settings):
    from django.core.cache import cache

    from tests.conftest import DATA_DIR
    from tests.integration.denoise.conftest import tiny_dae_register

    if not (DATA_DIR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    cache.clear()
    version = tiny_dae_register("fashion-mnist")  # random weights: the page's flow is what is tested
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{live_server.url}/denoise/")
        model = page.locator("#dae-model").inner_text()
        assert f"dae v{version.version}" in model and "18.25 dB" in model
        assert page.locator("#dae-rows").count() == 0  # no demo has run yet
        page.click("#dae-demo-button")
        page.wait_for_selector("#dae-demo-progress job-progress")
        page.wait_for_selector("#dae-rows", timeout=120_000)  # the page reloads when the job is done

        rows = page.locator(".dae-row")
        assert rows.count() == 3
        for row in ("clean", "noisy", "denoised"):
            images = page.locator(f'.dae-row[data-row="{row}"] img')
            assert images.count() == 8
            for img in images.all():
                assert img.evaluate("el => el.complete && el.naturalWidth") == 28
        assert "dB" in page.locator("#dae-psnr").inner_text()
        # Nothing sticks out of the page or the card, and the images keep their columns across rows.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        card = page.locator("#dae-demo").bounding_box()
        boxes = {row: [img.bounding_box() for img in page.locator(f'.dae-row[data-row="{row}"] img').all()]
                 for row in ("clean", "noisy", "denoised")}  # fmt: skip
        for row_boxes in boxes.values():
            assert all(card["x"] <= b["x"] and b["x"] + b["width"] <= card["x"] + card["width"] for b in row_boxes)
            assert len({round(b["y"]) for b in row_boxes}) == 1  # eight a line, at either width
        assert [round(b["x"]) for b in boxes["clean"]] == [round(b["x"]) for b in boxes["denoised"]]
        size = boxes["clean"][0]["width"]
        assert 28 <= size <= 84 and (size == 84) == (width >= 800)
    finally:
        context.close()
