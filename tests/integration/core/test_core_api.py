"""The job, model and health APIs over HTTP with the real database and Redis."""

from __future__ import annotations

import contextlib
import uuid

import pytest

from aeweb.celery import app as celery_app
from aeweb.embedded_redis import port_free
from apps.core import services
from apps.core.api_errors import application_error_status
from apps.core.errors import ServiceUnavailable
from apps.core.models import Job

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return body["error"]


def test_unknown_job_is_404_in_the_error_shape(api_client):
    assert_error_shape(api_client.get(f"/api/jobs/{uuid.uuid4()}/"), 404)


def test_unknown_api_path_is_json_404(api_client):
    assert_error_shape(api_client.get("/api/no-such-thing/"), 404)


def test_starting_training_is_staff_only(api_client, django_user_model):
    body = {"kind": "recommender", "dataset": "x"}
    assert_error_shape(api_client.post("/api/jobs/", body, format="json"), 403)
    user = django_user_model.objects.create_user("visitor", password="visitor-pass-1")
    api_client.force_authenticate(user)
    assert_error_shape(api_client.post("/api/jobs/", body, format="json"), 403)
    assert not Job.objects.exists()


def test_activation_and_cancel_are_staff_only(api_client):
    version = services.model_version_create(kind="vae", dataset="d", name="n", config={}, metrics={}, artifacts={})
    assert_error_shape(api_client.post(f"/api/models/{version.id}/activate/"), 403)
    job = services.job_create(kind="core.selftest", params={}, enqueue=False)
    assert_error_shape(api_client.post(f"/api/jobs/{job.id}/cancel/"), 403)


def test_unknown_training_kind_is_400_naming_the_field(staff_client):
    error = assert_error_shape(staff_client.post("/api/jobs/", {"kind": "poetry"}, format="json"), 400)
    assert "kind" in error["details"]


def test_malformed_json_and_wrong_content_type_are_400(staff_client):
    r = staff_client.post("/api/jobs/", "{not json", content_type="application/json")
    assert_error_shape(r, 400)
    r = staff_client.post("/api/jobs/", "kind=recommender", content_type="text/plain")
    assert "content_type" in assert_error_shape(r, 400)["details"]


def test_staff_activates_a_version(staff_client):
    version = services.model_version_create(kind="vae", dataset="d", name="n", config={}, metrics={}, artifacts={})
    response = staff_client.post(f"/api/models/{version.id}/activate/")
    assert response.status_code == 200 and response.json()["is_active"] is True
    listed = staff_client.get("/api/models/?kind=vae").json()
    assert [v["is_active"] for v in listed] == [True]


def test_token_auth(api_client, staff_user):
    bad = api_client.post("/api/auth/token/", {"username": "staff", "password": "wrong"}, format="json")
    assert_error_shape(bad, 401)
    assert bad["WWW-Authenticate"] == "Token"
    token = api_client.post("/api/auth/token/", {"username": "staff", "password": "staff-pass-123"}, format="json")
    assert token.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api_client.get("/api/jobs/").status_code == 200


@contextlib.contextmanager
def broker_down():
    """Point the app at a port where no broker listens (a real refused connection)."""
    old = celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool
    celery_app.conf.broker_url = f"redis://127.0.0.1:{port_free()}/0"
    celery_app._pool = celery_app.amqp._producer_pool = None  # forget pooled connections
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = old


def test_broker_down_gives_503_and_stores_no_job(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    with broker_down():
        with pytest.raises(ServiceUnavailable) as err:
            services.job_create(kind="core.selftest", params={"steps": 1})
        assert application_error_status(err.value) == 503 and err.value.code == "unavailable"
        assert "broker" in err.value.message
        # pages that only read keep working
        assert api_client.get("/api/models/").status_code == 200
    assert not Job.objects.exists()  # nothing stored: no row left queued, failed or otherwise
