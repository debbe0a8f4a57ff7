"""Job and model-registry services against the real database, without a worker."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.core import diagnostics, services
from apps.core.errors import Conflict, InvalidInput
from apps.core.job_status import jobs_reap_stale
from apps.core.models import ActiveModel, Job, ModelVersion
from apps.core.queues import QUEUE_INTERACTIVE
from apps.core.registry import AppContract, JobKind, ModelKind, Training, app_register, registry_isolated
from apps.core.runner import job_execute

pytestmark = pytest.mark.django_db


def test_job_create_validates_params():
    with pytest.raises(InvalidInput) as err:
        services.job_create(kind="core.selftest", params={"steps": 0}, enqueue=False)
    assert "steps" in err.value.details and err.value.message.startswith("steps:")
    assert not Job.objects.exists()


def test_job_create_unknown_kind():
    with pytest.raises(InvalidInput):
        services.job_create(kind="nope", params={}, enqueue=False)


def test_second_job_with_same_lock_is_refused_while_first_is_active():
    locked = JobKind(
        name="locktest.run",
        handler=diagnostics.selftest_job,
        validator=diagnostics.selftest_params_validate,
        queue=QUEUE_INTERACTIVE,
        title="a self-test that locks on its steps",
        lock_on=("steps",),
    )
    with registry_isolated():
        app_register(AppContract(label="locktest", title="lock test", jobs=(locked,)))
        first = services.job_create(kind="locktest.run", params={"steps": 1}, enqueue=False)
        with pytest.raises(Conflict):
            services.job_create(kind="locktest.run", params={"steps": 1}, enqueue=False)
        other = services.job_create(kind="locktest.run", params={"steps": 2}, enqueue=False)
        services.job_cancel(job=first)
        again = services.job_create(kind="locktest.run", params={"steps": 1}, enqueue=False)
    assert again.status == other.status == "queued"
    assert first.lock_key == again.lock_key == "locktest.run:1"


def test_selftest_takes_no_lock():
    first = services.job_create(kind="core.selftest", params={"steps": 1}, enqueue=False)
    second = services.job_create(kind="core.selftest", params={"steps": 1}, enqueue=False)
    assert first.lock_key == second.lock_key == ""


def test_job_execute_runs_handler_records_history_and_is_idempotent():
    job = services.job_create(kind="core.selftest", params={"steps": 3, "delay": 0}, enqueue=False)
    job = job_execute(job_id=job.id)
    assert job.status == "succeeded" and job.progress == 1.0 and job.attempts == 1
    assert [h["epoch"] for h in job.history] == [1, 2, 3]
    assert job.result["steps"] == 3
    assert job_execute(job_id=job.id) is None  # a redelivered message does nothing twice
    job.refresh_from_db()
    assert job.attempts == 1


def test_job_failure_is_recorded_with_the_error():
    job = services.job_create(kind="core.selftest", params={"steps": 1, "delay": 0, "fail": True}, enqueue=False)
    job = job_execute(job_id=job.id)
    assert job.status == "failed"
    assert "self-test asked to fail" in job.error


def test_stale_running_job_is_reaped(settings):
    job = services.job_create(kind="core.selftest", params={"steps": 1}, enqueue=False)
    stale = timezone.now() - timezone.timedelta(seconds=settings.AEWEB_HEARTBEAT_TIMEOUT + 5)
    Job.objects.filter(id=job.id).update(status="running", heartbeat_at=stale, started_at=stale)
    assert jobs_reap_stale() == 1
    job.refresh_from_db()
    assert job.status == "failed" and "heartbeat" in job.error


def test_fresh_running_job_is_not_reaped():
    job = services.job_create(kind="core.selftest", params={"steps": 1}, enqueue=False)
    Job.objects.filter(id=job.id).update(status="running", heartbeat_at=timezone.now())
    assert jobs_reap_stale() == 0


def _version(**kw) -> ModelVersion:
    defaults = {
        "kind": "recommender",
        "dataset": "d",
        "name": "ease",
        "config": {},
        "metrics": {"ndcg@100": 0.1},
        "artifacts": {},
    }
    return services.model_version_create(**{**defaults, **kw})


def test_model_versions_are_numbered_and_immutable():
    v1, v2 = _version(), _version()
    assert (v1.version, v2.version) == (1, 2)
    assert _version(dataset="other").version == 1
    v1.metrics = {"ndcg@100": 0.9}
    with pytest.raises(ValueError):
        v1.save()


def test_activate_and_rollback_move_one_pointer():
    v1, v2 = _version(), _version()
    services.model_version_activate(model_version=v1)
    services.model_version_activate(model_version=v2)
    assert ActiveModel.objects.get(kind="recommender", dataset="d").model_version == v2
    services.model_version_rollback(kind="recommender", dataset="d")
    assert ActiveModel.objects.get(kind="recommender", dataset="d").model_version == v1
    assert ActiveModel.objects.count() == 1


def test_slots_keep_their_own_pointer_and_numbering():
    default = _version(kind="vae", dataset="fashion-mnist", name="conv", activate=True)
    conditional = _version(kind="vae", dataset="fashion-mnist", slot="conditional", name="conditional", activate=True)
    assert (default.version, conditional.version) == (1, 1)
    pointers = {a.slot: a.model_version for a in ActiveModel.objects.filter(kind="vae", dataset="fashion-mnist")}
    assert pointers == {"default": default, "conditional": conditional}
    newer = _version(kind="vae", dataset="fashion-mnist", slot="conditional", name="conditional", activate=True)
    assert newer.version == 2
    services.model_version_rollback(kind="vae", dataset="fashion-mnist", slot="conditional")
    assert ActiveModel.objects.get(kind="vae", dataset="fashion-mnist", slot="conditional").model_version == conditional
    assert ActiveModel.objects.get(kind="vae", dataset="fashion-mnist", slot="default").model_version == default


def test_a_version_needs_a_declared_kind_and_slot():
    with pytest.raises(ValueError, match="not declared"):
        _version(kind="no-such-kind")
    with pytest.raises(ValueError, match="no slot 'sideways'"):
        _version(kind="vae", slot="sideways")
    assert not ModelVersion.objects.exists()


def test_training_request_routes_a_moved_model_to_its_new_training():
    with registry_isolated():
        app_register(
            AppContract(
                label="movetest",
                title="move test",
                trainings=(
                    Training(
                        name="movetest",
                        handler=diagnostics.selftest_job,
                        validator=lambda params: params,
                        title="moved training",
                        replaces=(("vae", "moved"),),
                    ),
                ),
                models=(ModelKind(name="movetest", training="movetest"),),
            )
        )
        assert services.training_job_start(kind="vae", model="moved", enqueue=False).kind == "train.movetest"
        assert services.training_job_start(kind="vae", model="conv", enqueue=False).kind == "train.vae"


def test_rollback_without_history_is_a_conflict():
    with pytest.raises(Conflict):
        services.model_version_rollback(kind="recommender", dataset="none")
