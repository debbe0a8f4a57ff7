"""Activation by validation: a new recommender version replaces the active one only when it validates better."""

from __future__ import annotations

import pytest

from apps.core.services import model_version_activate, model_version_create
from apps.recommender.training import activation_decide

pytestmark = pytest.mark.django_db


def active_make(validation: float | None, name: str = "mult-vae"):
    config = {} if validation is None else {"validation": {"ndcg@100": validation}}
    version = model_version_create(
        kind="recommender", dataset="d", name=name, config=config, metrics={"ndcg@100": 0.4}, artifacts={}
    )
    model_version_activate(model_version=version)
    return version


def test_first_version_is_activated():
    ok, why = activation_decide(job_config={}, dataset="d", validation={"ndcg@100": 0.1})
    assert ok and "no model was active" in why


def test_better_validation_activates_worse_or_equal_keeps_inactive():
    active_make(0.40)
    ok, why = activation_decide(job_config={}, dataset="d", validation={"ndcg@100": 0.41})
    assert ok and "0.4100 beats 0.4000" in why and "v1 (mult-vae)" in why
    for worse in (0.40, 0.39):
        ok, why = activation_decide(job_config={}, dataset="d", validation={"ndcg@100": worse})
        assert not ok and why.startswith("Kept inactive") and "does not beat 0.4000" in why


def test_active_version_without_a_validation_figure_is_replaced():
    active_make(None, name="ease")
    ok, why = activation_decide(job_config={}, dataset="d", validation={"ndcg@100": 0.2})
    assert ok and "records no validation" in why


def test_the_jobs_explicit_choice_wins():
    active_make(0.40)
    assert activation_decide(job_config={"activate": True}, dataset="d", validation={"ndcg@100": 0.1})[0]
    assert not activation_decide(job_config={"activate": False}, dataset="d", validation={"ndcg@100": 0.9})[0]
    # Another data set's active model is no yardstick.
    assert activation_decide(job_config={}, dataset="other", validation={"ndcg@100": 0.1})[0]
