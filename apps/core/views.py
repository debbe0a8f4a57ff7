"""Server-rendered pages shared by every app: home, models, one job."""

from __future__ import annotations

from django.shortcuts import render

from apps.core import registry, selectors
from apps.core.permissions import PERM_JOB_VIEW, user_may
from apps.core.session_jobs import session_job_ids

HOME_JOBS = 8


def home(request):
    """The three demos and the state of their models, as each app reports it, and the visitor's own jobs
    (staff with core.view_job: everyone's)."""
    cards = [contract.home_card() for contract in registry.apps_registered() if contract.home_card is not None]
    everyone = user_may(request.user, PERM_JOB_VIEW)
    if everyone:
        jobs = selectors.job_list(limit=HOME_JOBS)
    else:
        jobs = selectors.job_list_started_by(user=request.user, job_ids=session_job_ids(request), limit=HOME_JOBS)
    return render(request, "core/home.html", {"cards": cards, "jobs": jobs, "jobs_everyone": everyone})


def models_page(request):
    # NUL bytes cannot reach PostgreSQL; a filter holding one matches nothing anyway.
    kind, dataset = (request.GET.get(name, "").replace("\x00", "") for name in ("kind", "dataset"))
    versions = list(selectors.model_version_list(kind=kind, dataset=dataset))
    active_ids = selectors.active_version_ids()
    charts = [
        {"id": v.id, "label": str(v), "history": v.history}
        for v in versions
        if v.history
    ]
    return render(
        request,
        "core/models.html",
        {"versions": versions, "active_ids": active_ids, "charts": charts},
    )


def job_page(request, job_id):
    job = selectors.job_get(job_id)
    return render(request, "core/job.html", {"job": job})
