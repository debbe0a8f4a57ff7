"""Who may do what: every staff operation, over the API and as an admin action, for five kinds of user.

anonymous · a signed-in user · staff with only "view" permissions (enough to open the admin lists,
which used to be enough for activate/rollback/retrain) · staff with the operation's permission ·
a superuser. Only the last two may.
"""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from apps.core import services
from apps.core.models import Activation, ActiveModel, Job, JobStatus, ModelVersion
from apps.core.permissions import PERM_ACTIVATE, PERM_JOB_CHANGE, PERM_JOB_VIEW, PERM_TRAIN, user_may
from apps.recommender.models import Dataset

pytestmark = pytest.mark.django_db

USERS = ["anonymous", "user", "staff_view_only", "staff_with_perm", "superuser"]
ALLOWED = {"staff_with_perm", "superuser"}
VIEW_PERMS = ["core.view_job", "core.view_modelversion", "core.view_activemodel", "recommender.view_dataset"]


def _perm(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def make_user(django_user_model, who: str, perm: str):
    """The user of kind `who`. Staff hold the view permissions (but `perm`, when it is one of them);
    "staff_with_perm" holds `perm` too."""
    if who == "anonymous":
        return None
    user = django_user_model.objects.create_user(
        who, password="pass-word-123", is_staff=who != "user", is_superuser=who == "superuser"
    )
    if who.startswith("staff"):
        user.user_permissions.add(*[_perm(p) for p in VIEW_PERMS if p != perm])
    if who == "staff_with_perm":
        user.user_permissions.add(_perm(perm))
    return django_user_model.objects.get(pk=user.pk)  # a fresh object: no permission cache


def client_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def version_pair() -> tuple[ModelVersion, ModelVersion]:
    """Two versions of one target, the second active, the first active before it (a rollback target)."""
    first = services.model_version_create(kind="vae", dataset="d", name="n", config={}, metrics={}, artifacts={})
    services.model_version_activate(model_version=first)
    second = services.model_version_create(kind="vae", dataset="d", name="n", config={}, metrics={}, artifacts={})
    services.model_version_activate(model_version=second)
    return first, second


def queued_job() -> Job:
    return services.job_create(kind="core.selftest", params={}, enqueue=False)


def finished_job() -> Job:
    job = queued_job()
    Job.objects.filter(id=job.id).update(status=JobStatus.SUCCEEDED)
    return Job.objects.get(id=job.id)


# --- the API ------------------------------------------------------------------------------------


def _api_train(client):
    # An unknown data set: a permitted user gets past the permission check to the refusal of the input.
    return client.post("/api/jobs/", {"kind": "recommender", "dataset": "no-such-set"}, format="json"), (400, 404)


def _api_list(client):
    return client.get("/api/jobs/"), (200,)


def _api_cancel(client):
    job = queued_job()
    return client.post(f"/api/jobs/{job.id}/cancel/"), (200,)


def _api_retry(client):
    job = finished_job()  # a succeeded job cannot be retried: the permitted user meets that 409
    return client.post(f"/api/jobs/{job.id}/retry/"), (409,)


def _api_activate(client):
    first, _second = version_pair()
    return client.post(f"/api/models/{first.id}/activate/"), (200,)


API_OPERATIONS = {
    "train": (PERM_TRAIN, _api_train),
    "list jobs": (PERM_JOB_VIEW, _api_list),
    "cancel": (PERM_JOB_CHANGE, _api_cancel),
    "retry": (PERM_JOB_CHANGE, _api_retry),
    "activate": (PERM_ACTIVATE, _api_activate),
}


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("operation", list(API_OPERATIONS))
def test_api_staff_operations_need_their_permission(django_user_model, operation, who):
    perm, call = API_OPERATIONS[operation]
    user = make_user(django_user_model, who, perm)
    jobs_before = Job.objects.count()
    response, allowed_statuses = call(client_for(user))
    if who in ALLOWED:
        assert response.status_code in allowed_statuses, response.content
    else:
        assert response.status_code == 403, response.content
        error = response.json()["error"]
        assert error["code"] in {"permission_denied", "not_authenticated"}
        if who != "anonymous":
            assert perm in error["message"]  # says which permission is missing
    if operation == "cancel" and who not in ALLOWED:
        assert not Job.objects.filter(status=JobStatus.CANCELLED).exists()
    if operation == "activate" and who not in ALLOWED:
        assert Activation.objects.count() == 2  # only the two activations made by version_pair
    if operation == "train":
        assert Job.objects.count() == jobs_before  # the data set does not exist: nothing started for anyone


# --- admin actions ------------------------------------------------------------------------------


def _admin_request(user):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/admin/")
    request.user = user or AnonymousUser()
    return request


ADMIN_ACTIONS = [
    (Job, "cancel_jobs", PERM_JOB_CHANGE),
    (Job, "retry_jobs", PERM_JOB_CHANGE),
    (ModelVersion, "activate_version", PERM_ACTIVATE),
    (ModelVersion, "rollback", PERM_ACTIVATE),
    (ModelVersion, "retrain", PERM_TRAIN),
    (Dataset, "retrain", PERM_TRAIN),
]


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize(("model", "action", "perm"), ADMIN_ACTIONS, ids=lambda v: getattr(v, "__name__", v))
def test_admin_actions_need_their_permission(django_user_model, model, action, perm, who):
    user = make_user(django_user_model, who, perm)
    actions = site._registry[model].get_actions(_admin_request(user))
    assert (action in actions) == (who in ALLOWED)


def _changelist_post(client, model_admin_url: str, action: str, ids: list) -> None:
    client.post(model_admin_url, {"action": action, "_selected_action": [str(i) for i in ids], "index": 0})


@pytest.mark.parametrize("who", ["staff_view_only", "staff_with_perm"])
def test_admin_activate_and_rollback_over_http(client, django_user_model, who):
    """The hole that was: a staff user with "view" could activate through the admin. Now nothing changes."""
    user = make_user(django_user_model, who, PERM_ACTIVATE)
    first, second = version_pair()
    client.force_login(user)
    _changelist_post(client, "/admin/core/modelversion/", "activate_version", [first.id])
    active = ActiveModel.objects.get(kind="vae", dataset="d").model_version_id
    assert active == (first.id if who == "staff_with_perm" else second.id)
    _changelist_post(client, "/admin/core/modelversion/", "rollback", [first.id])
    assert ActiveModel.objects.get(kind="vae", dataset="d").model_version_id == second.id
    # activate + rollback are two more pointer moves for the permitted user, none for the other
    assert Activation.objects.count() == (4 if who == "staff_with_perm" else 2)


@pytest.mark.parametrize("who", ["staff_view_only", "staff_with_perm"])
def test_admin_cancel_over_http(client, django_user_model, who):
    user = make_user(django_user_model, who, PERM_JOB_CHANGE)
    job = queued_job()
    client.force_login(user)
    _changelist_post(client, "/admin/core/job/", "cancel_jobs", [job.id])
    job.refresh_from_db()
    assert job.status == (JobStatus.CANCELLED if who == "staff_with_perm" else JobStatus.QUEUED)


@pytest.mark.parametrize("who", ["staff_view_only", "staff_with_perm"])
def test_admin_retrain_over_http_starts_nothing_without_the_permission(client, django_user_model, who):
    user = make_user(django_user_model, who, PERM_TRAIN)
    version = services.model_version_create(
        kind="recommender", dataset="no-such-set", name="mult-vae", config={}, metrics={}, artifacts={}
    )
    client.force_login(user)
    response = client.post(
        "/admin/core/modelversion/",
        {"action": "retrain", "_selected_action": [str(version.id)], "index": 0},
        follow=True,
    )
    shown = " ".join(str(m) for m in response.context["messages"]) if response.context else ""
    if who == "staff_with_perm":
        assert "no-such-set" in shown  # the action ran: the training service refused the missing data set
    else:
        assert "no-such-set" not in shown  # the action never ran
    assert not Job.objects.exists()


def test_user_may_needs_an_active_staff_user_or_a_superuser(django_user_model):
    holder = make_user(django_user_model, "staff_with_perm", PERM_JOB_CHANGE)
    assert user_may(holder, PERM_JOB_CHANGE) and not user_may(holder, PERM_ACTIVATE)
    holder.is_staff = False  # the permission alone does not make a user staff
    assert not user_may(holder, PERM_JOB_CHANGE)
    root = make_user(django_user_model, "superuser", PERM_JOB_CHANGE)
    assert all(user_may(root, p) for p in (PERM_TRAIN, PERM_JOB_CHANGE, PERM_JOB_VIEW, PERM_ACTIVATE))
    root.is_active = False
    assert not user_may(root, PERM_TRAIN)
    assert not user_may(None, PERM_TRAIN)
