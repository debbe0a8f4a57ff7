"""Recommender training through the real Redis and a real Celery worker process."""

from __future__ import annotations

import time

import pytest

from apps.core.models import ActiveModel, Job
from apps.core.selectors import job_get
from apps.core.tasks import jobs_reap
from apps.recommender import services
from apps.recommender.sources import synthetic_ratings_write
from tests.conftest import job_wait
from tests.integration.core.test_core_api import broker_down

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def small_dataset(tmp_path):
    path = synthetic_ratings_write(tmp_path / "ratings.csv", n_users=250, n_items=300)
    return services.dataset_import(path=path, fmt="csv", slug="small", name="Small synthetic")


def train_request(client, *, model: str = "mult-vae", **config):
    body = {"kind": "recommender", "dataset": "small", "model": model, "config": config}
    return client.post("/api/jobs/", body, format="json")


def test_training_job_to_active_model_to_recommendations(celery_worker, small_dataset, staff_client, api_client):
    response = train_request(staff_client, epochs=4)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    job = job_wait(response.json()["id"])
    assert job.status == "succeeded", job.error
    assert [h["epoch"] for h in job.history] == [1, 2, 3, 4]
    active = ActiveModel.objects.get(kind="recommender", dataset="small").model_version
    assert active.id == job.result["model_version"]
    assert set(active.metrics) == {"ndcg@100", "recall@20", "recall@50"}
    assert set(active.baselines) == {"popularity", "ease"}

    user = small_dataset.users.order_by("index").first()
    recs = api_client.get(f"/api/datasets/small/users/{user.external_id}/recommendations/?k=10")
    assert recs.status_code == 200, recs.content
    body = recs.json()
    assert body["model"]["id"] == active.id and len(body["items"]) == 10
    rated = set(user.ratings.values_list("item_id", flat=True))
    assert not rated & {entry["item"]["id"] for entry in body["items"]}


def test_second_job_for_same_dataset_and_model_is_409(small_dataset, staff_client):
    # No worker: the first job stays queued, so the second one conflicts with it.
    assert train_request(staff_client, epochs=2).status_code == 202
    second = train_request(staff_client, epochs=3)
    assert second.status_code == 409 and second.json()["error"]["code"] == "conflict"
    assert train_request(staff_client, model="ease").status_code == 202  # another model is fine
    assert Job.objects.count() == 2


def test_broker_down_gives_503_and_no_job_left_queued(small_dataset, staff_client, api_client):
    with broker_down():
        response = train_request(staff_client, epochs=2)
        assert response.status_code == 503
        assert "broker" in response.json()["error"]["message"]
        assert api_client.get("/api/datasets/").status_code == 200  # reading still works
    assert not Job.objects.filter(status__in=["queued", "running"]).exists()


def test_worker_killed_mid_training_old_model_serves_retry_succeeds(
    worker_factory, small_dataset, staff_client, api_client
):
    worker = worker_factory()
    first = job_wait(train_request(staff_client, model="ease").json()["id"])
    assert first.status == "succeeded", first.error
    user = small_dataset.users.order_by("index").first().external_id
    url = f"/api/datasets/small/users/{user}/recommendations/?k=5"

    job_id = train_request(staff_client, epochs=400).json()["id"]
    deadline = time.monotonic() + 120
    while len(job_get(job_id).history) < 2:  # mid-training: some epochs done, many to go
        assert time.monotonic() < deadline, "training never got going"
        time.sleep(0.2)
    worker.kill()

    deadline = time.monotonic() + 60
    while (job := job_get(job_id)).status == "running":
        assert time.monotonic() < deadline, "killed job still running"
        time.sleep(0.5)
        jobs_reap()  # beat's reaper (every 30 s in production; here at once): reading a job never reaps it
    assert job.status == "failed" and "heartbeat" in job.error
    served = api_client.get(url)
    assert served.status_code == 200 and served.json()["model"]["id"] == first.result["model_version"]

    worker_factory()
    # The retry need not be as long; a 3-epoch model would not beat EASE's validation figure, so
    # the job asks for activation outright (the admin's override of activation by validation).
    job.params = {**job.params, "config": {"epochs": 3, "activate": True}}
    job.save(update_fields=["params"])
    retried = staff_client.post(f"/api/jobs/{job_id}/retry/")
    assert retried.status_code == 202, retried.content
    job = job_wait(job_id)
    assert job.status == "succeeded" and job.attempts == 2
    assert job.result["activated"] and "activate=true" in job.result["activation"]
    assert api_client.get(url).json()["model"]["id"] == job.result["model_version"]


def test_new_version_activated_only_when_its_validation_ndcg_is_higher(
    celery_worker, small_dataset, staff_client, api_client
):
    # EDLAE first, as seed_demo does: a closed form served through the item-item path.
    first = job_wait(train_request(staff_client, model="edlae").json()["id"])
    assert first.status == "succeeded", first.error
    assert first.result["activated"] and "no model was active" in first.result["activation"]
    first_validation = first.result["validation"]["ndcg@100"]

    second = job_wait(train_request(staff_client, epochs=2).json()["id"])
    assert second.status == "succeeded", second.error
    ours = second.result["validation"]["ndcg@100"]
    active = ActiveModel.objects.get(kind="recommender", dataset="small").model_version
    # Either way the decision follows the two validation figures, and the job says which.
    if ours > first_validation:
        assert second.result["activated"] and active.id == second.result["model_version"]
        assert second.result["activation"].startswith("Activated: validation NDCG@100")
    else:
        assert not second.result["activated"] and active.id == first.result["model_version"]
        assert second.result["activation"].startswith("Kept inactive: validation NDCG@100")
        assert active.name == "edlae"
    user = small_dataset.users.order_by("index").first().external_id
    served = api_client.get(f"/api/datasets/small/users/{user}/recommendations/?k=5").json()
    assert served["model"]["id"] == active.id
