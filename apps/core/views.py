"""Server-rendered pages shared by every app: home, models, one job."""

from __future__ import annotations

from django.shortcuts import render

from apps.core import registry, selectors
from apps.core.metric_display import (
    metric_best,
    metric_direction,
    metric_format,
    metric_is_timing,
    metric_label,
    metric_unit,
    metrics_flatten,
    metrics_ordered,
)
from apps.core.permissions import PERM_ACTIVATE, PERM_JOB_VIEW, user_may
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


MODELS_PAGE_VERSIONS = 8  # columns per group before the table gets too wide to compare; older ones: the API


def _version_label(version) -> str:
    """ "<name> v<version>": the same label on the models page, the job page and the admin."""
    return f"{version.name} v{version.version}"


def _models_group(versions: list, active_ids: set[int]) -> dict:
    """One (kind, data set, slot): a table with a row per metric and a column per version, then the baselines
    stored with the newest version that has each, the best value of each row marked."""
    first = versions[0]
    shown = versions[:MODELS_PAGE_VERSIONS]
    columns = [
        {"label": _version_label(v), "version": v, "active": v.id in active_ids, "metrics": metrics_flatten(v.metrics)}
        for v in shown
    ]
    baselines: dict[str, dict] = {}
    for v in shown:
        for name, figures in (v.baselines or {}).items():
            if isinstance(figures, dict) and name not in baselines:
                baselines[name] = {"label": name, "of": _version_label(v), "metrics": metrics_flatten(figures)}
    cells = columns + list(baselines.values())
    rows = []
    for name in metrics_ordered(n for column in columns for n in column["metrics"]):
        values = [column["metrics"].get(name) for column in cells]
        best = metric_best(name, values)
        rows.append(
            {
                "name": name,
                "label": metric_label(name),
                "direction": metric_direction(name.split(" · ")[0]),
                "cells": [{"text": metric_format(name, v), "best": best is not None and v == best} for v in values],
            }
        )
    previous = selectors.model_version_previous_active(kind=first.kind, dataset=first.dataset, slot=first.slot)
    return {
        "target": first.target,
        "kind": first.kind,
        "dataset": first.dataset,
        "columns": columns,
        "baselines": list(baselines.values()),
        "rows": rows,
        "hidden": len(versions) - len(shown),
        "previous": {"id": previous.id, "label": _version_label(previous)} if previous else None,
    }


def _models_chart(version) -> dict:
    """A version's training curves: each series on the axis of its unit, the learning rate on a log axis."""
    history = [entry for entry in version.history if isinstance(entry, dict)]
    # Alphabetical, with the keys as the history and the API spell them (the legend names what the job reported).
    names = sorted(
        {
            key
            for entry in history
            for key, value in entry.items()
            if key not in ("epoch", "epochs")
            and not metric_is_timing(key)
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        }
    )
    series = []
    for name in names:
        unit = metric_unit(name)
        axis = "lr" if unit == "lr" else ("loss" if metric_direction(name) == "lower" else unit or "value")
        series.append({"name": name, "axis": axis, "data": [entry.get(name) for entry in history]})
    return {
        "id": version.id,
        "label": f"{version.target} · {_version_label(version)}",
        "epochs": [entry.get("epoch", i + 1) for i, entry in enumerate(history)],
        "series": series,
    }


def models_page(request):
    # NUL bytes cannot reach PostgreSQL; a filter holding one matches nothing anyway.
    kind, dataset = (request.GET.get(name, "").replace("\x00", "") for name in ("kind", "dataset"))
    versions = list(selectors.model_version_list(kind=kind, dataset=dataset))
    active_ids = selectors.active_version_ids()
    by_target: dict[tuple[str, str, str], list] = {}
    for v in versions:
        by_target.setdefault((v.kind, v.dataset, v.slot), []).append(v)
    groups = [
        _models_group(sorted(group, key=lambda v: -v.version), active_ids)
        for _target, group in sorted(by_target.items())
    ]
    charts = [_models_chart(v) for v in versions if v.history]
    return render(
        request,
        "core/models.html",
        {
            "groups": groups,
            "charts": [chart for chart in charts if chart["series"]],
            "choices": selectors.model_version_filter_choices(),
            "kind": kind,
            "dataset": dataset,
            "filtered": bool(kind or dataset),
            "may_activate": user_may(request.user, PERM_ACTIVATE),
        },
    )


def job_page(request, job_id):
    job = selectors.job_get(job_id)
    return render(request, "core/job.html", {"job": job, "staff_links": user_may(request.user, PERM_JOB_VIEW)})
