"""Reads for jobs and the model registry. Selectors never write."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.core import registry
from apps.core.errors import NotFound
from apps.core.metric_display import metrics_same
from apps.core.models import ACTIVE_STATUSES, Activation, ActiveModel, Job, JobStatus, ModelVersion

ID_MAX = 2**63 - 1  # a larger id cannot be in a table, and would overflow SQLite's (and PostgreSQL's) integers


def id_possible(value) -> bool:
    """Whether `value` can be a row's integer id: filtering by one that cannot is an overflow, not a miss."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= ID_MAX


def job_get(job_id) -> Job:
    job = Job.objects.filter(id=job_id).first()
    if job is None:
        raise NotFound(f"No job {job_id}.")
    return job


def job_list(*, kind: str | None = None, status: str | None = None, limit: int = 50) -> QuerySet[Job]:
    jobs = Job.objects.all()
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    return jobs[:limit]


def job_list_started_by(*, user=None, job_ids=(), limit: int = 50) -> QuerySet[Job]:
    """The jobs `user` started (when signed in) or whose ids a visitor's session kept, newest first."""
    mine = Q(id__in=list(job_ids))
    if user is not None and user.is_authenticated:
        mine |= Q(created_by=user)
    return Job.objects.filter(mine)[:limit]


def job_active(*, kind: str, **params) -> Job | None:
    """The queued or running job of a kind whose params match, e.g. a data set's training."""
    filters = {f"params__{key}": value for key, value in params.items()}
    return Job.objects.filter(kind=kind, status__in=ACTIVE_STATUSES, **filters).first()


# Below these an extrapolation is mostly noise: the first report can come a moment after the start
# (ETA 1 s at 1 %) or after a long data load (ETA 1,000 s for a job that then takes a minute).
ETA_MIN_PROGRESS, ETA_MIN_SECONDS = 0.03, 3.0


def job_eta_seconds(job: Job) -> float | None:
    """Remaining seconds, extrapolated from the time taken so far; None until there is enough to go on."""
    if job.status != JobStatus.RUNNING or not job.started_at or not job.heartbeat_at:
        return None
    elapsed = (job.heartbeat_at - job.started_at).total_seconds()
    if job.progress < ETA_MIN_PROGRESS or elapsed < ETA_MIN_SECONDS:
        return None
    return max(0.0, elapsed * (1.0 - job.progress) / job.progress)


def model_version_get(*, version_id: int) -> ModelVersion:
    version = ModelVersion.objects.filter(id=version_id).first() if id_possible(version_id) else None
    if version is None:
        raise NotFound(f"No model version {version_id}.")
    return version


def model_version_list(*, kind: str | None = None, dataset: str | None = None) -> QuerySet[ModelVersion]:
    """Versions, newest first per kind; a kind of an earlier release (`vae-conditional`) finds its slot."""
    versions = ModelVersion.objects.select_related("job")
    if kind:
        kind, legacy = registry.model_kind_resolve(kind)
        versions = versions.filter(kind=kind)
        if legacy is not None:
            versions = versions.filter(slot=legacy.slot)
            if legacy.datasets:
                versions = versions.filter(dataset__in=legacy.datasets)
    if dataset:
        versions = versions.filter(dataset=dataset)
    return versions


def active_version_ids() -> set[int]:
    return set(ActiveModel.objects.values_list("model_version_id", flat=True))


def model_version_active(*, kind: str, dataset: str, slot: str = registry.DEFAULT_SLOT) -> ModelVersion | None:
    """The version in use for (kind, dataset, slot), or None."""
    active = ActiveModel.objects.select_related("model_version").filter(kind=kind, dataset=dataset, slot=slot).first()
    return active.model_version if active else None


def model_versions_active(*, kind: str) -> dict[tuple[str, str], ModelVersion]:
    """{(dataset, slot): version} of every active version of a kind, in one query."""
    pointers = ActiveModel.objects.select_related("model_version").filter(kind=kind)
    return {(p.dataset, p.slot): p.model_version for p in pointers}


# --- the models page and the admin ----------------------------------------------------------


def model_version_previous_active(*, kind: str, dataset: str, slot: str = registry.DEFAULT_SLOT) -> ModelVersion | None:
    """The version a rollback of (kind, dataset, slot) goes back to: the last one activated before the current one."""
    current = ActiveModel.objects.filter(kind=kind, dataset=dataset, slot=slot).first()
    if current is None:
        return None
    previous = (
        Activation.objects.filter(kind=kind, dataset=dataset, slot=slot)
        .exclude(model_version_id=current.model_version_id)
        .select_related("model_version")
        .first()
    )
    return previous.model_version if previous else None


def model_version_filter_choices() -> dict[str, list[str]]:
    """{"kinds", "datasets"}: the values the models page can filter by, sorted."""
    pairs = ModelVersion.objects.values_list("kind", "dataset").distinct()
    return {
        "kinds": sorted({kind for kind, _ in pairs}),
        "datasets": sorted({dataset for _, dataset in pairs}),
    }


def model_version_same_as_active(
    *, kind: str, dataset: str, slot: str = registry.DEFAULT_SLOT, config: dict, metrics: dict
) -> ModelVersion | None:
    """The active version when a new one with this config and these metrics would only repeat it: same settings
    (the device aside) and the same figures (wall-clock times aside). A trainer keeps such a version inactive."""
    active = model_version_active(kind=kind, dataset=dataset, slot=slot)
    if active is None:
        return None

    def settings_of(value: dict) -> dict:
        return {key: item for key, item in (value or {}).items() if key != "device"}

    if settings_of(active.config) != settings_of(config) or not metrics_same(active.metrics, metrics):
        return None
    return active
