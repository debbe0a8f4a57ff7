"""The shared progress component, in Chromium, following a job on a real worker."""

from __future__ import annotations

import pytest

from apps.core import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_job_page_follows_progress_to_the_end(live_server, page, celery_worker):
    job = services.job_create(kind="core.selftest", params={"steps": 12, "delay": 0.25})
    page.goto(f"{live_server.url}/jobs/{job.id}/")
    progress = page.locator("job-progress")
    progress.locator(".job-detail").filter(has_text="epoch").wait_for()  # live epochs while running
    page.wait_for_selector('job-progress[data-status="succeeded"]', timeout=60_000)
    assert page.locator("job-progress progress").get_attribute("value") == "1"
    assert page.locator("#job-result").is_visible()


def test_home_and_models_pages_render(live_server, page):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Autoencoders at work"
    page.goto(live_server.url + "/models/")
    assert "No model versions yet" in page.locator("#versions").inner_text()
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=30_000)  # Swagger UI from vendored files, offline
