"""What every page and client meets: counts in words, the time-left estimate, the 404/500 pages, the favicon, no
lock icon on open endpoints in the API docs, and seed_demo queuing every app's first model before anyone's slow one."""

from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.core import registry
from apps.core.api_errors import server_error
from apps.core.models import Job, JobStatus
from apps.core.selectors import job_eta_seconds
from apps.core.wording import count_noun


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "0 images"), (1, "1 image"), (2, "2 images"), (12345, "12,345 images")]
)
def test_count_noun(n, expected):
    assert count_noun(n, "image") == expected


def test_count_noun_irregular_plural():
    assert (count_noun(1, "query", "queries"), count_noun(3, "query", "queries")) == ("1 query", "3 queries")


def running(progress: float, seconds: float) -> Job:
    now = timezone.now()
    started = now - timedelta(seconds=seconds)
    return Job(status=JobStatus.RUNNING, progress=progress, started_at=started, heartbeat_at=now)


def test_eta_waits_for_enough_progress_and_time():
    assert job_eta_seconds(running(0.01, 0.01)) is None  # was "ETA 1 s" at 1 %
    assert job_eta_seconds(running(0.01, 100.0)) is None  # was "ETA 1024 s" after a slow start
    assert job_eta_seconds(running(0.5, 2.0)) is None
    assert job_eta_seconds(running(0.25, 30.0)) == pytest.approx(90.0, abs=0.5)
    assert job_eta_seconds(Job(status=JobStatus.QUEUED, progress=0.5)) is None


@pytest.mark.django_db
def test_a_missing_job_page_is_the_sites_404_page():
    response = Client().get("/jobs/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Page not found" in text and 'class="topbar"' in text and "/models/" in text


@pytest.mark.django_db
def test_the_api_keeps_its_json_404():
    response = Client().get("/api/jobs/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_server_error_is_a_page_for_pages_and_json_for_the_api(rf):
    page = server_error(rf.get("/gallery/"))
    assert page.status_code == 500 and b"Something went wrong" in page.content
    api = server_error(rf.get("/api/gallery/"))
    assert api.status_code == 500 and b'"server_error"' in api.content


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("core/favicon.svg")


@pytest.mark.django_db
def test_open_endpoints_carry_no_lock_in_the_schema():
    schema = Client().get("/api/schema/?format=json").json()
    operations = {(m.upper(), p): o for p, ops in schema["paths"].items() for m, o in ops.items()}
    for key in [("GET", "/api/datasets/"), ("POST", "/api/gallery/generate/"), ("GET", "/api/jobs/{job_id}/")]:
        assert "security" not in operations[key], key
        assert "Open to anonymous visitors" in operations[key]["description"]
    for key in [("POST", "/api/jobs/"), ("POST", "/api/models/{version_id}/activate/")]:
        assert {"tokenAuth": []} in operations[key]["security"], key


def test_seed_demo_queues_every_apps_first_models_before_the_slow_ones(monkeypatch):
    calls: list[str] = []

    def contract(name: str, later: bool):
        return SimpleNamespace(
            demo_seed=lambda *, out, train: calls.append(f"{name} first"),
            demo_seed_later=(lambda *, out, train: calls.append(f"{name} later")) if later else None,
        )

    monkeypatch.setattr(registry, "apps_registered", lambda: [contract("a", True), contract("b", False)])
    monkeypatch.setattr("apps.core.management.commands.seed_demo.Command.admin_ensure", lambda self: None)
    call_command("seed_demo", "--no-train", stdout=io.StringIO())
    assert calls == ["a first", "b first", "a later"]
