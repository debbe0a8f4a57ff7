"""The pages under the Content-Security-Policy, in Chromium: what moved out of inline script still works
(the models page's curves with the vendored Chart.js, the rate page's data-set switch, Swagger UI).
Every browser test also fails on any CSP violation the console reports (tests/conftest.py)."""

from __future__ import annotations

import pytest

from apps.core import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_models_page_draws_training_curves(live_server, page):
    history = [{"epoch": e, "loss": 1.0 / e, "ndcg@100": 0.1 * e} for e in range(1, 6)]
    services.model_version_create(
        kind="vae", dataset="d", name="n", config={}, metrics={"neg_elbo": 1.0}, artifacts={}, history=history
    )
    page.goto(live_server.url + "/models/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('curve'))")
    series = page.evaluate("() => Chart.getChart(document.getElementById('curve')).data.datasets.map(d => d.label)")
    assert series == ["loss", "ndcg@100"]


def test_swagger_ui_runs_offline_under_its_policy(live_server, page):
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)  # the schema loaded and rendered
    assert "aeweb API" in page.locator(".swagger-ui .info").inner_text()


def test_rate_page_switches_data_set_without_an_inline_handler(live_server, page, tmp_path):
    from apps.recommender import services as recommender_services
    from apps.recommender.sources import synthetic_ratings_write

    for slug in ("one", "two"):
        path = synthetic_ratings_write(tmp_path / f"{slug}.csv", n_users=30, n_items=80)
        recommender_services.dataset_import(path=path, fmt="csv", slug=slug, name=slug.title())
    page.goto(f"{live_server.url}/rate/?dataset=one")
    with page.expect_navigation():
        page.select_option("#rate-dataset", "two")
    assert page.url.endswith("dataset=two")
    assert page.locator("#rate-dataset").input_value() == "two"
