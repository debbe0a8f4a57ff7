"""The app contract: what an app declares to the platform, and the registry that holds it.

An app lists its job kinds (handler, validator, queue, lock), its trainings (the `train KIND`
names) and its model kinds with their slots in one `AppContract`, built from imported
functions (not dotted strings), and registers it in `AppConfig.ready()`. A name that does not
exist fails the import, and a contract that does not hold together fails `app_register`, both
while Django starts, never at the first job.

Handlers run in workers only. Their modules may be imported by the web process (registration
imports them), so they import torch inside the functions that need it; a test checks that
the web process never has torch loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from apps.core.queues import QUEUE_TRAINING, QUEUES

if TYPE_CHECKING:
    from apps.core.models import Job
    from apps.core.runner import JobReporter

Handler = Callable[["Job", "JobReporter"], dict[str, Any]]
Validator = Callable[[dict[str, Any]], dict[str, Any]]

DEFAULT_SLOT = "default"
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class JobKind:
    """One kind of async work: who runs it (handler), on which queue, and how its params are checked."""

    name: str  # "<app label>.<what>", or "train.<training name>" for trainings
    handler: Handler  # handler(job, reporter) -> result dict; runs in a worker
    queue: str
    title: str
    # Checks and normalises params in the web process before anything is stored or queued
    # (no torch); raises apps.core.errors.InvalidInput naming the field.
    validator: Validator | None = None
    # Keys of the validated params: two jobs that agree on all of them may not be queued or
    # running at once (the second gets a 409).
    lock_on: tuple[str, ...] = ()


TRAINING_LOCK = ("dataset", "model")  # one training of a model on a data set at a time


@dataclass(frozen=True)
class Training:
    """A `train KIND` name and how to run it; its job kind is `train.<name>`, on the training queue."""

    name: str  # as typed: `manage.py train vae`, POST /api/jobs/ {"kind": "vae"}
    handler: Handler  # handler(job, reporter) -> result dict; builds on apps.core.training.TrainingRun
    validator: Validator  # usually apps.core.training.training_params_check with the app's choices
    title: str
    # (training name, model) pairs an earlier release trained elsewhere, routed here instead,
    # e.g. ("vae", "dae") when the denoising autoencoder moved to the denoise app.
    replaces: tuple[tuple[str, str], ...] = ()
    queue: str = QUEUE_TRAINING

    @property
    def job(self) -> JobKind:
        return JobKind(
            name=f"train.{self.name}",
            handler=self.handler,
            validator=self.validator,
            queue=self.queue,
            title=self.title,
            lock_on=TRAINING_LOCK,
        )


@dataclass(frozen=True)
class LegacyKind:
    """A ModelVersion kind of an earlier release that is now a slot of a kind (on some data sets), so
    `/api/models/?kind=<old name>` keeps answering with the same versions."""

    name: str
    slot: str = DEFAULT_SLOT
    datasets: tuple[str, ...] = ()  # the data sets it covered; empty: all


@dataclass(frozen=True)
class ModelKind:
    """A ModelVersion kind: which training makes it and which active pointers (slots) it has."""

    name: str  # ModelVersion.kind
    training: str  # the Training that makes versions of this kind (retrain in the admin uses it)
    # One active version per (kind, data set, slot): the gallery serves a plain, a class-conditional
    # and a 2-D latent VAE for the same data set at once.
    slots: tuple[str, ...] = (DEFAULT_SLOT,)
    title: str = ""
    legacy_kinds: tuple[LegacyKind, ...] = ()


@dataclass(frozen=True)
class AppContract:
    label: str  # the Django app label
    title: str
    jobs: tuple[JobKind, ...] = ()
    trainings: tuple[Training, ...] = ()
    models: tuple[ModelKind, ...] = ()
    home_card: Callable[[], dict[str, Any]] | None = None  # {"title", "url", "description", "lines"}
    demo_seed: Callable[..., None] | None = None  # demo_seed(out=stdout, train=bool), called by seed_demo
    # Jobs that take minutes (a deep model after a closed-form one, the slower maps): seed_demo queues
    # them after every app's demo_seed, so on one training worker no app's first model waits behind them.
    demo_seed_later: Callable[..., None] | None = None


@dataclass
class _Registry:
    apps: dict[str, AppContract] = field(default_factory=dict)
    jobs: dict[str, JobKind] = field(default_factory=dict)
    trainings: dict[str, Training] = field(default_factory=dict)
    replaced: dict[tuple[str, str], Training] = field(default_factory=dict)
    models: dict[str, ModelKind] = field(default_factory=dict)
    legacy_kinds: dict[str, tuple[str, LegacyKind]] = field(default_factory=dict)


_registry = _Registry()


def _fail(contract: AppContract, message: str) -> None:
    raise ImproperlyConfigured(f"app contract {contract.label!r}: {message}")


def _jobkind_check(contract: AppContract, kind: JobKind) -> None:
    prefix, _, rest = kind.name.partition(".")
    if prefix not in (contract.label, "train") or not _NAME.match(rest):
        _fail(contract, f"job kind {kind.name!r} must be named '{contract.label}.<what>' or 'train.<what>'")
    if kind.name in _registry.jobs:
        _fail(contract, f"job kind {kind.name!r} is already registered")
    if kind.queue not in QUEUES:
        _fail(contract, f"job kind {kind.name!r}: unknown queue {kind.queue!r} (known: {', '.join(QUEUES)})")
    if not callable(kind.handler):
        _fail(contract, f"job kind {kind.name!r}: the handler is not callable")
    if kind.validator is not None and not callable(kind.validator):
        _fail(contract, f"job kind {kind.name!r}: the validator is not callable")
    if not kind.title:
        _fail(contract, f"job kind {kind.name!r} needs a title")
    if isinstance(kind.lock_on, str) or not all(isinstance(key, str) and key for key in kind.lock_on):
        _fail(contract, f"job kind {kind.name!r}: lock_on must be a tuple of param names")


def app_register(contract: AppContract) -> None:
    """Check the contract as a whole, then add it; nothing is added when a check fails."""
    if contract.label in _registry.apps:
        _fail(contract, "already registered")
    jobs = [*contract.jobs, *(training.job for training in contract.trainings)]
    seen: set[str] = set()
    for kind in jobs:
        _jobkind_check(contract, kind)
        if kind.name in seen:
            _fail(contract, f"job kind {kind.name!r} is declared twice")
        seen.add(kind.name)
    trainings = {}
    for training in contract.trainings:
        if not _NAME.match(training.name) or training.name in _registry.trainings or training.name in trainings:
            _fail(contract, f"training {training.name!r} is not a free lower-case name")
        trainings[training.name] = training
    models = {}
    for model in contract.models:
        if not _NAME.match(model.name) or model.name in _registry.models or model.name in models:
            _fail(contract, f"model kind {model.name!r} is not a free lower-case name")
        if model.training not in trainings:
            _fail(contract, f"model kind {model.name!r} names training {model.training!r}, which this app lacks")
        if (
            not model.slots
            or not all(_NAME.match(slot) for slot in model.slots)
            or len(set(model.slots)) != len(model.slots)
        ):
            _fail(contract, f"model kind {model.name!r}: slots must be distinct lower-case names")
        for old in model.legacy_kinds:
            if old.slot not in model.slots:
                _fail(
                    contract, f"model kind {model.name!r}: legacy kind {old.name!r} maps to unknown slot {old.slot!r}"
                )
        models[model.name] = model
    for hook in (contract.home_card, contract.demo_seed, contract.demo_seed_later):
        if hook is not None and not callable(hook):
            _fail(contract, "home_card, demo_seed and demo_seed_later must be callables")

    _registry.apps[contract.label] = contract
    _registry.jobs.update({kind.name: kind for kind in jobs})
    _registry.trainings.update(trainings)
    for training in trainings.values():
        _registry.replaced.update({pair: training for pair in training.replaces})
    _registry.models.update(models)
    for model in models.values():
        _registry.legacy_kinds.update({old.name: (model.name, old) for old in model.legacy_kinds})


# --- lookups ----------------------------------------------------------------------------------


def apps_registered() -> list[AppContract]:
    return list(_registry.apps.values())


def jobkind_get(name: str) -> JobKind | None:
    return _registry.jobs.get(name)


def jobkind_names() -> list[str]:
    return sorted(_registry.jobs)


def training_names() -> list[str]:
    return sorted(_registry.trainings)


def training_get(name: str, model: str = "") -> Training | None:
    """The training for `train NAME --model MODEL`, following a (name, model) pair that moved elsewhere."""
    return _registry.replaced.get((name, model)) or _registry.trainings.get(name)


def model_kind_get(name: str) -> ModelKind | None:
    return _registry.models.get(name)


def model_kind_resolve(name: str) -> tuple[str, LegacyKind | None]:
    """(kind, None) for a kind; (the kind it became, its LegacyKind) for the kind of an earlier release."""
    return _registry.legacy_kinds.get(name, (name, None))


@contextmanager
def registry_isolated() -> Iterator[None]:
    """Tests: register contracts freely inside, and find the registry as it was afterwards."""
    global _registry
    saved = _registry
    _registry = _Registry(**{name: dict(value) for name, value in vars(saved).items()})
    try:
        yield
    finally:
        _registry = saved
