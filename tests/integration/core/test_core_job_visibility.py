"""Pages list a visitor's own jobs only; a job stays readable by whoever holds its id."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from apps.core import services
from apps.core.models import Job
from apps.core.permissions import PERM_JOB_VIEW
from apps.core.session_jobs import SESSION_JOBS_MAX, SESSION_KEY
from tests.integration.core.test_core_permissions import make_user
from tests.integration.gallery.helpers import fake_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield


def generate(client) -> str:
    response = client.post("/api/gallery/generate/", {"count": 2}, content_type="application/json")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def home_lists(client, job_id: str) -> bool:
    response = client.get("/")
    assert response.status_code == 200
    return f"/jobs/{job_id}/" in response.content.decode()


def test_an_anonymous_visitor_sees_the_jobs_of_their_session_only():
    fake_version()
    alice, bob = Client(), Client()
    mine = generate(alice)
    theirs = generate(bob)
    assert home_lists(alice, mine) and not home_lists(alice, theirs)
    assert home_lists(bob, theirs) and not home_lists(bob, mine)
    # Whoever holds the id reads the job, as a denoising result is read by its id.
    assert Client().get(f"/api/jobs/{mine}/").json()["id"] == mine
    assert Client().get(f"/jobs/{mine}/").status_code == 200


def test_a_job_started_by_an_api_client_without_a_session_is_listed_nowhere_but_readable():
    fake_version()
    from rest_framework.test import APIClient

    api = APIClient()
    job_id = api.post("/api/gallery/generate/", {"count": 2}, format="json").json()["id"]
    assert APIClient().get(f"/api/jobs/{job_id}/").status_code == 200
    assert not home_lists(Client(), job_id)


def test_a_signed_in_user_sees_their_own_jobs_and_staff_with_view_job_see_all(django_user_model):
    fake_version()
    user = make_user(django_user_model, "user", PERM_JOB_VIEW)
    other = make_user(django_user_model, "staff_view_only", PERM_JOB_VIEW)  # staff, but no core.view_job
    viewer = make_user(django_user_model, "staff_with_perm", PERM_JOB_VIEW)
    signed_in, anonymous = Client(), Client()
    signed_in.force_login(user)
    own = generate(signed_in)
    anonymous_job = generate(anonymous)
    assert Job.objects.get(id=own).created_by_id == user.id
    assert home_lists(signed_in, own) and not home_lists(signed_in, anonymous_job)
    staff_client = Client()
    staff_client.force_login(other)
    assert not home_lists(staff_client, own) and not home_lists(staff_client, anonymous_job)
    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert home_lists(viewer_client, own) and home_lists(viewer_client, anonymous_job)
    assert "Recent jobs" in viewer_client.get("/").content.decode()


def test_jobs_started_anonymously_stay_listed_after_signing_in(django_user_model):
    fake_version()
    visitor = Client()
    before = generate(visitor)
    visitor.force_login(make_user(django_user_model, "user", PERM_JOB_VIEW))
    assert home_lists(visitor, before)


def test_the_session_keeps_the_newest_ids_only():
    visitor = Client()
    jobs = [services.job_create(kind="core.selftest", params={}, enqueue=False) for _ in range(3)]
    session = visitor.session
    session[SESSION_KEY] = ["not-a-uuid", *(str(j.id) for j in jobs)]
    session.save()
    assert all(home_lists(visitor, str(j.id)) for j in jobs)

    from apps.core.session_jobs import session_job_remember

    class Request:
        user = None
        session = {SESSION_KEY: [str(i) for i in range(SESSION_JOBS_MAX)]}

    session_job_remember(Request, jobs[0])
    assert Request.session[SESSION_KEY][0] == str(jobs[0].id) and len(Request.session[SESSION_KEY]) == SESSION_JOBS_MAX
