"""The anomaly page in Chromium, each tab through the real worker: the example table (progress, histogram,
threshold slider, top rows with their columns, download), a shipped series (chart, flagged ranges, the
baselines' table), one-class images (the results table, a test image scored with its heat map); every tab
fits a phone and a laptop screen, logs no error and loads nothing from outside."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.browser.test_browser_representations import PAINTED, Watched
from tests.conftest import DATA_DIR
from tests.integration.anomaly.conftest import anomaly_fresh  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_tables_tab_example_threshold_and_download(live_server, browser, celery_worker):
    watched = Watched(browser, live_server, 1366)
    page = watched.page
    watched.visit("/")
    page.click("nav >> text=Anomalies")
    page.wait_for_url("**/anomaly/")
    assert page.locator("#tables").is_visible() and not page.locator("#series").is_visible()
    # A file that is not a table is refused on the spot, naming the problem; nothing is queued.
    page.set_input_files("#table-form [name=file]", files=[{"name": "photo.csv", "mimeType": "text/csv",
                                                           "buffer": bytes(range(256)) * 4}])  # fmt: skip
    page.click("#table-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('table-error').textContent.length > 0")
    assert "file" in page.locator("#table-error").inner_text()
    assert page.locator("#table-progress job-progress").count() == 0
    assert watched.errors == [
        "console: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    watched.errors.clear()  # Chromium logs the refused request; that one was expected
    page.set_input_files("#table-form [name=file]", files=[])
    page.click("#table-example")
    page.wait_for_selector("#table-result:not([hidden])", timeout=240_000)
    assert "569 rows" in page.locator("#table-summary").inner_text()
    assert "ROC-AUC" in page.locator("#table-summary").inner_text()
    assert page.evaluate(PAINTED, "table-histogram") > 500
    assert page.locator("#table-top tr").count() == 21  # a header and the 20 top rows
    assert page.locator("#table-detectors tr").count() == 6  # a header, our AE and VAE, PyOD's three
    before = page.locator("#table-share").inner_text()
    flagged_before = page.locator("#table-top tr.flagged").count()
    page.eval_on_selector(
        "#table-slider", "el => { el.value = String(el.max - 5); el.dispatchEvent(new Event('input')); }"
    )
    after = page.locator("#table-share").inner_text()
    assert after != before and after.startswith("1.")  # the top 6 of 569 rows: about 1 %
    assert page.locator("#table-top tr.flagged").count() == 6 != flagged_before
    page.fill("#table-score-threshold", "1e9")  # by score: above every row
    page.dispatch_event("#table-score-threshold", "change")
    assert page.locator("#table-share").inner_text().startswith("0.0 %")
    assert page.locator("#table-top tr.flagged").count() == 0
    assert page.locator("#table-download").get_attribute("href").startswith("/media/anomaly/")
    watched.check("anomaly-tables")
    # The result's address shows it again after a reload.
    page.reload()
    page.wait_for_selector("#table-result:not([hidden])")
    watched.check("anomaly-tables-reloaded")
    watched.close()


def test_series_tab_and_images_tab_fit_every_screen(live_server, browser, celery_worker, capsys):
    if not (DATA_DIR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    call_command(
        "train", "anomaly", "--dataset", "fashion-mnist", "--model", "conv", "--set", "classes=0,7",
        "--set", "seconds=2", "--set", "train_count=500", "--set", "test_count=1000", "--set", "baselines=pca",
        "--sync",
    )  # fmt: skip
    capsys.readouterr()
    watched = Watched(browser, live_server, 1366)
    page = watched.page
    watched.visit("/anomaly/#series")
    page.select_option("#series-pick", "yahoo")
    page.fill("#series-form [name=window]", "16")
    page.click("#series-form button[type=submit]")
    page.wait_for_selector("#series-result:not([hidden])", timeout=300_000)
    assert page.evaluate(PAINTED, "series-chart") > 1000
    assert "1,000 points" in page.locator("#series-summary").inner_text()
    assert page.locator("#series-detectors tr").count() == 5  # header, the AE, three baselines
    watched.check("anomaly-series")

    watched.visit("/anomaly/#images")
    assert page.locator("#images-table tr").count() == 2 + 10 + 1  # header, classes, mean, seconds
    page.select_option("#image-class", "0")
    examples = page.locator("#image-examples .example")
    assert examples.count() == 16
    examples.last.click()  # the most anomalous test image for "T-shirt/top"
    page.wait_for_selector("#image-result:not([hidden])", timeout=60_000)
    page.wait_for_function("() => document.getElementById('image-heat').naturalWidth > 0")
    assert "flagged as anomalous" in page.locator("#image-verdict").inner_text()
    watched.check("anomaly-images")
    watched.close()

    for width in (390, 1366):
        for tab in ("tables", "series", "images"):
            phone = Watched(browser, live_server, width)
            phone.visit(f"/anomaly/#{tab}")
            assert phone.page.locator(f"#{tab}").is_visible()
            phone.check(f"anomaly-{tab}")
            phone.close()
