"""Denoising in Chromium: pick a sample with noise, follow the progress, see and drag the before/after slider."""

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
    page.click('.sample[data-sample="astronaut"]')
    page.wait_for_url(re.compile(r".*/denoise/[0-9a-f-]{36}/$"))
    page.wait_for_selector("#compare", timeout=120_000)  # the progress component reloads the page when done

    assert "dB" in page.locator("#psnr").inner_text()
    assert page.locator("#denoise-metrics").inner_text().count("σ = 30.0") == 1
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
