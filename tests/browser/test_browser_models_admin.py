"""The models page and the admin in Chromium: no sideways scroll on a phone, staff activate a version and roll
back from the page, and the admin's version list shows every column on a laptop. Screenshots go to
var/screenshots/models-*.png and admin-*.png (or AEWEB_SCREENSHOT_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from apps.core import selectors, services
from apps.core.models import Job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("AEWEB_SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots")
SIZES = {390: 844, 1366: 900}
HISTORY = [
    {"epoch": e, "epochs": 5, "loss": 260.0 - 5 * e, "iwae_nll": 250.0 - 3 * e, "lr": 1e-3 / e, "seconds": e}
    for e in range(1, 6)
]


def versions():
    """Two VAE versions (the newer active) and a denoiser: two groups, one with a rival to compare."""
    made = []
    for epochs, nll in ((30, 240.2), (25, 235.36)):
        made.append(
            services.model_version_create(
                kind="vae",
                dataset="fashion-mnist",
                name="conv",
                config={"model": "conv", "epochs": epochs},
                metrics={
                    "iwae_nll": nll,
                    "neg_elbo": nll + 2,
                    "epochs_run": float(epochs),
                    "parameters": 1688289.0,
                    "seconds": 1270.8,
                    "stopped_by_budget": False,
                },
                # The baseline wins a row: its "(best)" note sits in a column scrolled out of view on a phone.
                baselines={"pca": {"iwae_nll": 290.0, "neg_elbo": 200.0}},
                history=HISTORY,
                artifacts={},
                activate=True,
            )
        )
    services.model_version_create(
        kind="denoiser",
        dataset="train400",
        name="unet",
        config={},
        metrics={"set12_psnr_sigma25": 29.09, "epochs_run": 80.0, "parameters": 860740.0},
        artifacts={},
        activate=True,
    )
    return made


def page_at(browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": SIZES[width]})
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "staff-pass-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", sorted(SIZES))
def test_models_page_fits_and_reads(width, live_server, browser):
    versions()
    context, page = page_at(browser, width)
    try:
        page.goto(f"{live_server.url}/models/")
        page.wait_for_function("document.getElementById('curve') && Chart.getChart('curve')")
        no_sideways_scroll(page, width)
        text = page.locator("#versions").inner_text()
        assert (
            "IWAE NLL" in text
            and "1,688,289" in text
            and "235.36 nats" in text
            and "21 min 11 s" in text
            and "29.09 dB" in text
        )
        assert "80.0000" not in text
        assert page.locator("button[data-activate]").count() == 0  # visitors see no buttons
        axes = page.evaluate("Object.keys(Chart.getChart('curve').options.scales).sort()")
        assert axes == ["loss", "lr", "x"]  # loss and NLL share "lower is better"; the rate has its own
        assert page.evaluate("Chart.getChart('curve').options.scales.lr.type") == "logarithmic"
        colours = page.evaluate("Chart.getChart('curve').data.datasets.map(d => d.borderColor)")
        assert len(set(colours)) == len(colours)
        shot(page, f"models-{width}")
    finally:
        context.close()


def test_staff_activate_then_roll_back_from_the_page(live_server, browser, staff_user):
    older, newer = versions()
    context, page = page_at(browser, 1366)
    try:
        login(page, live_server, staff_user)
        page.goto(f"{live_server.url}/models/?kind=vae")
        page.click(f'button[data-activate="{older.id}"][data-action="activate"]')
        page.wait_for_selector("#models-status:has-text('conv v1 is now active')")
        page.wait_for_selector(f'th[data-version="{older.id}"] .badge.active')
        assert selectors.model_version_active(kind="vae", dataset="fashion-mnist") == older
        shot(page, "models-activated-1366")
        page.click('button[data-action="rollback"]')
        page.wait_for_selector("#models-status:has-text('Rolled back: conv v2 is active again')")
        page.wait_for_selector(f'th[data-version="{newer.id}"] .badge.active')
        assert selectors.model_version_active(kind="vae", dataset="fashion-mnist") == newer
        no_sideways_scroll(page, 1366)
        shot(page, "models-rolled-back-1366")
    finally:
        context.close()


def test_admin_version_list_has_no_cut_column(live_server, browser, staff_user):
    older, _newer = versions()
    context, page = page_at(browser, 1366)
    try:
        login(page, live_server, staff_user)
        assert "aeweb administration" in page.locator("#site-name").inner_text()
        page.goto(f"{live_server.url}/admin/core/modelversion/")
        table = page.locator("#result_list").bounding_box()
        assert table["x"] + table["width"] <= 1366  # every column, "created" included, on screen
        assert page.locator("#result_list th.column-created").is_visible()
        shot(page, "admin-modelversions-1366")
        page.goto(f"{live_server.url}/admin/core/modelversion/{older.id}/change/")
        assert page.locator("pre.json-pretty").first.is_visible()
        shot(page, "admin-modelversion-1366")
        page.goto(f"{live_server.url}/admin/core/modelversion/{older.id}/retrain/")
        assert page.locator("#id_set_epochs").input_value() == "30"
        no_sideways_scroll(page, 1366)
        shot(page, "admin-retrain-1366")

    finally:
        context.close()


def test_job_page_names_the_version_and_leads_staff_back_to_the_admin(live_server, browser, staff_user):
    job = services.job_create(kind="core.selftest", params={}, enqueue=False)
    result = {"model_version": 41, "version": 2, "kind": "vae", "activated": True}
    Job.objects.filter(id=job.id).update(status="succeeded", progress=1.0, result=result, params={"model": "conv"})
    context, page = page_at(browser, 390)
    try:
        login(page, live_server, staff_user)
        page.goto(f"{live_server.url}/jobs/{job.id}/")
        page.wait_for_selector("#job-result:not([hidden])")
        assert page.locator("#job-result").inner_text().startswith("conv v2 is ready and active")
        assert page.locator("#job-admin-links a").first.get_attribute("href") == f"/admin/core/job/{job.id}/change/"
        no_sideways_scroll(page, 390)
        shot(page, "models-job-390")
    finally:
        context.close()
