"""The admin as staff meet it: branding, the retrain form (defaults shown, a bad value refused with nothing
started, a good one queued and followed on the job page), readable JSON and a compact version list; the models
page's activation through the API for staff only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.core import selectors, services
from apps.core.models import Job, ModelVersion

pytestmark = pytest.mark.django_db


def _version(*, epochs: int = 30, metrics: dict | None = None, activate: bool = True, version_name: str = "conv"):
    return services.model_version_create(
        kind="vae",
        dataset="fashion-mnist",
        name=version_name,
        config={"model": version_name, "dataset": "fashion-mnist", "epochs": epochs, "lr": 0.001, "overrides": {}},
        metrics=metrics or {"iwae_nll": 235.36, "neg_elbo": 237.4, "epochs_run": 30.0, "parameters": 1688289.0},
        artifacts={},
        activate=activate,
    )


@pytest.fixture
def admin_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def test_admin_is_branded_with_a_way_back_to_the_site(admin_client):
    body = admin_client.get("/admin/").content.decode()
    assert "aeweb administration" in body
    assert "Django administration" not in body
    assert 'href="/"' in body and "back to the aeweb site" in body


def test_retrain_form_shows_the_settings_the_version_was_trained_with(admin_client):
    version = _version(epochs=12)
    response = admin_client.get(reverse("admin:core_modelversion_retrain", args=[version.id]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.fields["model"].initial == "conv"
    assert form.fields["set_epochs"].initial == "12"
    assert "trained with 12" in response.content.decode()
    # The limits, as the training's own config check states them.
    assert "must be in 1..10000" in form.fields["set_epochs"].help_text
    assert Job.objects.count() == 0  # showing the form starts nothing


def test_retrain_with_a_bad_value_is_a_form_error_and_starts_nothing(admin_client):
    version = _version()
    url = reverse("admin:core_modelversion_retrain", args=[version.id])
    response = admin_client.post(url, {"model": "conv", "activate": "on", "set_epochs": "0", "set_lr": "0.001"})
    assert response.status_code == 200
    assert response.context["form"].errors["set_epochs"]
    assert Job.objects.count() == 0


def test_retrain_with_good_values_queues_the_job_and_opens_its_page(admin_client):
    version = _version()
    url = reverse("admin:core_modelversion_retrain", args=[version.id])
    response = admin_client.post(url, {"model": "conv", "set_epochs": "3", "set_lr": "0.001"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.id])
    assert job.kind == "train.vae" and job.status == "queued"  # sent to the real (embedded) broker
    assert job.params["config"] == {"epochs": 3, "activate": False}  # only what changed; the box was unticked
    page = admin_client.get(response["Location"]).content.decode()
    assert reverse("admin:core_job_change", args=[job.id]) in page  # the way back to the admin
    assert reverse("admin:core_modelversion_changelist") in page


def test_the_retrain_action_leads_to_the_form(admin_client):
    version = _version()
    response = admin_client.post(
        reverse("admin:core_modelversion_changelist"), {"action": "retrain", "_selected_action": [version.id]}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:core_modelversion_retrain", args=[version.id])
    assert Job.objects.count() == 0


def test_version_list_is_compact_with_the_main_metric(admin_client):
    _version()
    body = admin_client.get(reverse("admin:core_modelversion_changelist")).content.decode()
    assert "conv v1" in body
    assert "IWAE NLL 235.36 nats" in body


def test_version_page_shows_sorted_indented_json(admin_client):
    version = _version()
    body = admin_client.get(reverse("admin:core_modelversion_change", args=[version.id])).content.decode()
    assert 'class="json-pretty"' in body
    # Sorted keys, two-space indent: "epochs_run" before "iwae_nll" whatever order the database kept.
    assert body.index("&quot;epochs_run&quot;: 30.0") < body.index("&quot;iwae_nll&quot;: 235.36")
    assert "\n  &quot;neg_elbo&quot;" in body
    assert 'name="_save"' not in body  # immutable: no Save button that could only be refused


def test_activate_and_roll_back_through_the_api_the_page_uses(staff_client, api_client):
    first = _version()
    second = _version(epochs=31)
    assert selectors.model_version_active(kind="vae", dataset="fashion-mnist") == second
    assert api_client.post(f"/api/models/{first.id}/activate/").status_code in (401, 403)
    assert selectors.model_version_active(kind="vae", dataset="fashion-mnist") == second
    assert staff_client.post(f"/api/models/{first.id}/activate/").status_code == 200
    assert selectors.model_version_active(kind="vae", dataset="fashion-mnist") == first
    # The page's "Roll back" posts the version the rollback service would go back to.
    previous = selectors.model_version_previous_active(kind="vae", dataset="fashion-mnist")
    assert previous == second
    assert staff_client.post(f"/api/models/{previous.id}/activate/").status_code == 200
    assert selectors.model_version_active(kind="vae", dataset="fashion-mnist") == second


def test_models_page_buttons_only_for_staff(admin_client):
    _version()
    _version(epochs=31, activate=False)
    anonymous = Client().get("/models/").content.decode()
    assert "data-activate" not in anonymous
    staff = admin_client.get("/models/").content.decode()
    assert "Activate</button>" in staff


def test_models_page_renders_formatted_values_in_a_comparison():
    _version(metrics={"iwae_nll": 240.0, "epochs_run": 80.0, "parameters": 860740.0, "seconds": 250.0})
    _version(metrics={"iwae_nll": 235.36, "epochs_run": 30.0, "parameters": 1688289.0, "seconds": 12.34})
    body = Client().get("/models/").content.decode()
    assert "80.0000" not in body and "860740" not in body
    for text in ("860,740", "1,688,289", "235.36 nats", "4 min 10 s", "12.3 s", "conv v2", "conv v1"):
        assert text in body
    assert "<strong>235.36 nats</strong>" in body  # lower NLL is better: the newer version's is the best
    assert body.index("iwae_nll") < body.index("epochs_run")  # quality first, counts after


def test_models_page_filters_and_empty_state():
    _version()
    assert "No model versions match" in Client().get("/models/?kind=recommender").content.decode()
    assert "conv v1" in Client().get("/models/?kind=vae&dataset=fashion-mnist").content.decode()


def test_same_metrics_as_the_active_version_are_found():
    active = _version()
    config = dict(active.config, device="cpu")
    metrics = dict(active.metrics, seconds=12.0)  # a wall-clock time differs between identical runs
    found = selectors.model_version_same_as_active(kind="vae", dataset="fashion-mnist", config=config, metrics=metrics)
    assert found == active
    other = dict(metrics, iwae_nll=235.0)
    assert not selectors.model_version_same_as_active(kind="vae", dataset="fashion-mnist", config=config, metrics=other)
    assert ModelVersion.objects.count() == 1


def test_models_page_reads_nested_text_and_flag_metrics():
    """Per-class figures become rows of their own; lists stay out; text and flags read as they are."""
    metrics = {
        "miou": 0.2907,
        "iou": {"background": 0.95, "Bag": 0.357},
        "classes": ["background", "Bag"],
        "train_source": "/data/Train400",
        "stopped_by_budget": False,
    }
    _version(metrics=metrics)
    body = Client().get("/models/").content.decode()
    for text in ("mIoU", "0.2907", "IoU · Bag", "0.3570", "/data/Train400", ">no<"):
        assert text in body
    assert "[&#x27;background&#x27;" not in body


def test_pointer_lists_name_the_version_as_everywhere_else(admin_client):
    _version()
    assert "conv v1" in admin_client.get(reverse("admin:core_activemodel_changelist")).content.decode()
    assert "conv v1" in admin_client.get(reverse("admin:core_activation_changelist")).content.decode()
