"""The representations pages in Chromium: the wardrobe's map draws, switches, hovers, decodes a click and
places an upload or a drawing; the compare and AE-vs-GAN pages show their tables; every page fits a
phone and a laptop screen, logs no error and loads nothing from outside the live server.

The versions are PCAs of the real test images made with NumPy (tests/integration/representations/helpers.py),
registered like trained ones: seconds to make, and the pages go through the same API and caches.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image
from threadpoolctl import threadpool_limits

from tests.browser.watched import SHOTS, Watched
from tests.integration.representations.conftest import caches_fresh, fashion_dir  # noqa: F401  (fixtures)
from tests.integration.representations.helpers import representation_version, sample_images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The painted pixels of a canvas (alpha > 0): the map's base layer is transparent where no point is.
PAINTED = """(id) => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""
# The number of pixels of a (black-backed) image canvas that are not black.
LIT = """(id) => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 30) n++;
  return n;
}"""
# A spot of the map in CSS pixels: a painted pixel near the middle (`want` = "point"), or the middle of
# an empty square of 24 CSS pixels (`want` = "empty"), searched from the centre outwards.
SPOT = """([id, want]) => {
  const c = document.getElementById(id);
  const dpr = c.width / c.clientWidth;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const alpha = (x, y) => d[(Math.round(y * dpr) * c.width + Math.round(x * dpr)) * 4 + 3];
  const w = c.clientWidth, h = c.clientHeight;
  for (let r = 0; r < Math.max(w, h) / 2; r += 4) {
    for (let a = 0; a < 360; a += 10) {
      const x = w / 2 + r * Math.cos(a * Math.PI / 180), y = h / 2 + r * Math.sin(a * Math.PI / 180);
      if (x < 14 || y < 14 || x > w - 14 || y > h - 14) continue;
      if (want === 'point') { if (alpha(x, y) > 0) return [x, y]; continue; }
      let empty = true;
      for (let j = -12; j <= 12 && empty; j += 2) for (let i = -12; i <= 12; i += 2) {
        if (alpha(x + i, y + j) > 0) { empty = false; break; }
      }
      if (empty) return [x, y];
    }
  }
  return null;
}"""


def versions(*specs: tuple[str, dict]) -> list:
    """representation_version(slot, **kwargs) for each spec, with one BLAS thread: the fixture's SVD takes
    under a second so, and 15 s or more with two threads on a busy 2-core machine (they wait on each other)."""
    with threadpool_limits(1):
        return [representation_version(slot, **kwargs) for slot, kwargs in specs]


def png_28(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def map_box(page) -> dict:
    """The map's box in the viewport, scrolled fully into view first (the mouse reaches only what is shown)."""
    page.locator("#map-stage").evaluate("el => el.scrollIntoView({block: 'center'})")
    return page.locator("#map-overlay").bounding_box()


def wardrobe_ready(page, version_id: int) -> None:
    page.wait_for_selector(f'#map-stage[data-state="ready"][data-version="{version_id}"]')
    page.wait_for_function(f"() => document.getElementById('map-canvas').dataset.version === '{version_id}'")


def test_wardrobe_maps_hover_decode_and_place(live_server, browser, fashion_dir):  # noqa: F811
    # PCA's map holds the first 5,000 test images only, so switching to it draws a different picture.
    pca, vanilla, tsne = versions(
        ("pca", {"points": 5000, "metrics": {"map_knn_acc": 0.52, "map_trustworthiness": 0.9}}),
        ("vanilla", {"metrics": {"map_knn_acc": 0.61}}),
        ("tsne", {"serving": False, "metrics": {"map_knn_acc": 0.7}}),
    )
    watched = Watched(browser, live_server, 1366)
    page = watched.page
    try:
        watched.visit("/representations/")
        # An autoencoder's map first (its empty spots decode), all 10,000 test images drawn.
        wardrobe_ready(page, vanilla.id)
        assert "10,000 test images" in page.locator("#map-status").inner_text()
        assert page.locator("#map-canvas").get_attribute("data-points") == "10000"
        assert page.evaluate(PAINTED, "map-canvas") > 2000
        assert page.locator("#legend li").count() == 10
        assert page.locator(".map-view").all_inner_texts() == ["PCA ✦", "Vanilla AE ✦", "t-SNE"]
        assert page.locator(f'.map-view[data-version="{vanilla.id}"]').get_attribute("aria-pressed") == "true"

        # Another view: PCA's map, a different picture.
        before = page.evaluate("() => document.getElementById('map-canvas').toDataURL()")
        page.click(f'.map-view[data-version="{pca.id}"]')
        wardrobe_ready(page, pca.id)
        assert page.locator(f'.map-view[data-version="{pca.id}"]').get_attribute("aria-pressed") == "true"
        assert "5,000 test images · PCA" in page.locator("#map-status").inner_text()
        assert page.locator("#map-canvas").get_attribute("data-points") == "5000"
        assert page.evaluate("() => document.getElementById('map-canvas').toDataURL()") != before

        # Hover a point: its test image appears (cut from the sprite sheet) with its class.
        box = map_box(page)
        x, y = page.evaluate(SPOT, ["map-canvas", "point"])
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.wait_for_function("() => document.getElementById('item-preview').dataset.kind === 'test'")
        page.wait_for_function(f"() => ({LIT})('item-preview') > 20")
        assert "test image" in page.locator("#item-caption").inner_text()

        # Click an empty spot: a new item is decoded and shown, and the spot is marked.
        page.mouse.move(box["x"] + 2, box["y"] + 2)
        x, y = page.evaluate(SPOT, ["map-canvas", "empty"])
        marks = page.evaluate(PAINTED, "map-overlay")
        started = time.perf_counter()
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_function("() => document.getElementById('item-preview').dataset.kind === 'decoded'")
        seconds = time.perf_counter() - started
        in_page = int(page.locator("#item-preview").get_attribute("data-ms"))
        print(f"click → decoded image shown: {in_page} ms in the page, {1000 * seconds:.0f} ms through Playwright")
        assert 0 <= in_page < 10_000 and seconds < 10  # the 300 ms target is the benchmark's to measure
        assert "decoded" in page.locator("#item-caption").inner_text().lower()
        assert page.evaluate(LIT, "item-preview") > 20
        page.wait_for_function(f"() => ({PAINTED})('map-overlay') > {marks}")

        # Upload a 28×28 PNG: the image, its reconstruction, and where it lands, marked on the map.
        image = sample_images(1)[0]
        page.set_input_files("#upload", files=[{"name": "shoe.png", "mimeType": "image/png", "buffer": png_28(image)}])
        page.wait_for_selector("#placed-image:not([hidden])")
        page.wait_for_selector("#placed-recon:not([hidden])")
        assert "Lands at" in page.locator("#placed-caption").inner_text()
        assert page.locator("#map-overlay").get_attribute("data-placed") == str(pca.id)
        assert page.locator("#placed-image").evaluate("img => img.naturalWidth") == 28

        # Draw on the pad and place the drawing.
        page.locator("#pad").scroll_into_view_if_needed()
        pad = page.locator("#pad").bounding_box()
        page.mouse.move(pad["x"] + pad["width"] * 0.3, pad["y"] + pad["height"] * 0.2)
        page.mouse.down()
        page.mouse.move(pad["x"] + pad["width"] * 0.5, pad["y"] + pad["height"] * 0.8, steps=6)
        page.mouse.move(pad["x"] + pad["width"] * 0.7, pad["y"] + pad["height"] * 0.2, steps=6)
        page.mouse.up()
        assert page.locator("#pad").get_attribute("data-empty") == "false"
        uploaded = page.locator("#placed-image").get_attribute("src")
        page.click("#pad-place")
        page.wait_for_function(f"() => document.getElementById('placed-image').src !== {uploaded!r}")
        caption = page.locator("#placed-caption").inner_text()
        assert "Lands at" in caption and "transparent" not in caption  # the pad's PNG is opaque
        assert page.locator("#place-error").inner_text() == ""
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "wardrobe-placed.png"))

        # t-SNE: no decoder, no encoder; the page says why instead of failing.
        page.click(f'.map-view[data-version="{tsne.id}"]')
        wardrobe_ready(page, tsne.id)
        box = map_box(page)
        x, y = page.evaluate(SPOT, ["map-canvas", "empty"])
        page.mouse.click(box["x"] + x, box["y"] + y)
        assert "no decoder" in page.locator("#map-error").inner_text()
        page.wait_for_function("() => document.getElementById('place-note').textContent.includes('t-SNE cannot')")
        assert page.locator("#map-overlay").get_attribute("data-placed") == ""
        watched.check("wardrobe")
    finally:
        watched.close()


def test_empty_pages_say_how_to_fill_them_and_show_trainings(live_server, browser, fashion_dir):  # noqa: F811
    from apps.core import services as core_services

    watched = Watched(browser, live_server, 1366)
    page = watched.page
    try:
        watched.visit("/representations/")
        empty = page.locator("#no-maps").inner_text()
        assert "manage.py train representation" in empty and "--model pca" in empty and "seed_demo" in empty
        assert page.locator("#map-canvas").count() == 0
        assert page.locator("#training").count() == 0
        watched.visit("/representations/compare/")
        for section in ("#recon-missing", "#sparse-missing", "#probe-missing"):
            assert "manage.py train representation" in page.locator(section).inner_text()
        watched.check("compare-empty")
        watched.visit("/representations/gan/")
        for slot in ("vae", "gan"):
            assert f"--model {slot}" in page.locator(f"#samples-{slot} .missing-model").inner_text()
        watched.check("gan-empty")

        # A training waiting for a worker (none runs here): the page shows it with its progress bar.
        job = core_services.training_job_start(
            kind="representation", dataset="fashion-mnist", model="pca", config={"code": 2}, enqueue=False
        )
        watched.visit("/representations/")
        assert "PCA" in page.locator("#training").inner_text()
        page.wait_for_selector(f'#training job-progress[data-job="{job.id}"][data-status="queued"]')
        assert "PCA: training now" in page.locator("#missing-maps").inner_text()
        watched.check("wardrobe-empty")
    finally:
        watched.close()


def compare_versions() -> list:
    probes = {f"probe_acc_{n}": acc for n, acc in (("10", 0.55), ("100", 0.68), ("1000", 0.75), ("all", 0.78))}
    rng = np.random.default_rng(0)
    filters = {"filters": rng.normal(size=(16, 784)), "activations": rng.uniform(size=16)}
    sparsity = {"test_recon_error": 0.03, "mean_activation": 0.1, "active_fraction": 0.2, "dead_fraction": 0.0}
    samples = {"samples": sample_images(64)}
    return versions(
        ("pca", {"metrics": {"test_recon_error": 0.05, "map_knn_acc": 0.5, "map_trustworthiness": 0.9, **probes}}),
        ("vanilla", {"metrics": {"test_recon_error": 0.04, "pca_recon_error": 0.05, "probe_acc_10": 0.6}}),
        ("conv", {"code": 8, "metrics": {"test_recon_error": 0.02, "pca_recon_error": 0.03}}),
        ("sparse", {"code": 16, "samples": filters, "metrics": sparsity}),
        ("vae", {"samples": samples, "metrics": {"frechet": 30.0, "test_recon_error": 0.03}}),
        ("gan", {"encoder": False, "samples": samples, "metrics": {"frechet": 20.0, "recall": 0.4}}),
    )


def test_compare_and_gan_pages_and_every_page_fits(live_server, browser, fashion_dir):  # noqa: F811
    compare_versions()
    for width in (390, 1366):
        watched = Watched(browser, live_server, width)
        page = watched.page
        try:
            watched.visit("/representations/compare/")
            page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('probe-chart'))")
            assert page.locator("#recon-table tr").count() == 1 + 5  # PCA, vanilla, sparse, conv, VAE
            assert page.locator("#reconstructions tr").count() == 1 + 5  # originals + every type with an encoder
            assert page.locator("#probe-table tr").count() > 1
            assert page.locator("#sparsity-table tr").count() == 2
            assert page.locator("#sparse-filters").evaluate("img => img.complete && img.naturalWidth") > 0
            labels = page.evaluate("() => Chart.getChart(document.getElementById('probe-chart')).data.labels")
            assert labels == ["10", "100", "1000", "all"]
            assert page.evaluate("() => !!Chart.getChart(document.getElementById('recon-chart'))")
            assert page.evaluate("() => !!Chart.getChart(document.getElementById('activation-chart'))")
            watched.check("compare")

            watched.visit("/representations/gan/")
            for slot in ("vae", "gan"):
                assert page.locator(f"#samples-{slot} img").evaluate("img => img.complete && img.naturalWidth") > 0
            assert page.locator("#gan-figures table tr").count() == 3
            lecture = page.locator("#lecture table").inner_text()
            assert "Mode collapse".lower() in lecture.lower() and "Encoder" in lecture
            watched.check("gan")

            watched.visit("/representations/")
            page.wait_for_selector('#map-stage[data-state="ready"]')
            watched.check("wardrobe")
        finally:
            watched.close()
