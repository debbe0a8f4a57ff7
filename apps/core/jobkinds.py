"""The registry of job kinds. Apps register theirs in AppConfig.ready().

Handlers are dotted paths imported only inside the worker, so registering a kind never
imports torch into the web process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string

from aeweb.celery import QUEUE_GPU


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: str  # "module:function" or dotted path; called as handler(job, reporter) -> dict
    queue: str = QUEUE_GPU
    title: str = ""
    # Validates and normalises a job's params in the web process (no torch); raises
    # apps.core.errors.InvalidInput naming the field.
    validator: str | None = None


JOB_KINDS: dict[str, JobKind] = {}
# Training kinds as named by the public interface ("recommender", "vae", "denoiser") → job kind.
TRAINING_KINDS: dict[str, str] = {}
# ModelVersion kinds → the training name that produces them. One trainer may make versions of
# several kinds (the gallery's "vae", "vae-conditional", "vae-latent2d" roles, each with its own
# active pointer); a kind not listed here is its own training name ("recommender").
MODEL_KINDS: dict[str, str] = {}


def jobkind_register(kind: JobKind, *, training_name: str | None = None, model_kinds: tuple[str, ...] = ()) -> None:
    JOB_KINDS[kind.name] = kind
    if training_name:
        TRAINING_KINDS[training_name] = kind.name
        for model_kind in model_kinds:
            MODEL_KINDS[model_kind] = training_name


def training_name_for(model_kind: str) -> str:
    """The `train KIND` name that retrains a ModelVersion of `model_kind`."""
    return MODEL_KINDS.get(model_kind, model_kind)


def jobkind_get(name: str) -> JobKind:
    try:
        return JOB_KINDS[name]
    except KeyError:
        raise KeyError(f"unknown job kind {name!r}; known: {', '.join(sorted(JOB_KINDS))}") from None


def jobkind_handler(name: str) -> Callable[..., dict[str, Any]]:
    return import_string(jobkind_get(name).handler)


def jobkind_validator(name: str) -> Callable[..., dict[str, Any]] | None:
    path = jobkind_get(name).validator
    return import_string(path) if path else None
