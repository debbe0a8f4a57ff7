"""Server-rendered recommender pages. They only read (the database and the serving arrays), so they
keep working while the broker is down; live updates on the rate page go through the REST API."""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Avg
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from apps.core.errors import ApplicationError, NotFound
from apps.core.selectors import model_version_active
from apps.recommender import selectors, serving
from apps.recommender.models import Dataset

CATALOGUE_PAGE = 24
USERS_PAGE = 60
HISTORY_PAGE = 50


def _found(fn, **kwargs):
    """A selector's NotFound as Django's 404 (outside DRF nothing else maps it)."""
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _model_state(dataset_slug: str, call, /, **kwargs) -> tuple[Any, dict[str, Any]]:
    """(result, {}) when the active model answers; (None, {"message", "job"}) when there is none yet."""
    try:
        return call(**kwargs), {}
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ApplicationError as exc:  # no model yet, stale model (409), missing files (503)
        return None, {"message": exc.message, "job": selectors.training_job_active(slug=dataset_slug)}


def datasets_page(request):
    entries = selectors.dataset_list()
    for entry in entries:
        if entry["active_model"] is None:
            entry["job"] = selectors.training_job_active(slug=entry["dataset"].slug)
    return render(request, "recommender/datasets.html", {"entries": entries})


def dataset_page(request, slug: str):
    dataset = _found(selectors.dataset_get, slug=slug)
    search = request.GET.get("q", "")[:200]
    user_search = request.GET.get("u", "")[:100]
    items = Paginator(selectors.item_list(dataset=dataset, search=search), CATALOGUE_PAGE).get_page(
        request.GET.get("page")
    )
    users = Paginator(selectors.user_list(dataset=dataset, search=user_search), USERS_PAGE).get_page(
        request.GET.get("upage")
    )
    active = model_version_active(kind=selectors.RECOMMENDER_KIND, dataset=slug)
    context = {
        "dataset": dataset,
        "items": items,
        "users": users,
        "q": search,
        "u": user_search,
        "active": active,
        "job": None if active else selectors.training_job_active(slug=slug),
    }
    return render(request, "recommender/dataset.html", context)


def user_page(request, slug: str, user: str):
    dataset = _found(selectors.dataset_get, slug=slug)
    dataset_user = _found(selectors.user_get, dataset=dataset, user=user)
    history = Paginator(selectors.user_ratings(user=dataset_user), HISTORY_PAGE).get_page(request.GET.get("page"))
    recs, state = _model_state(slug, serving.recommendations_user, slug=slug, user=user, k=20)
    recs = json.loads(recs.as_json()) if recs is not None else None  # the API's body, rendered
    context = {"dataset": dataset, "dataset_user": dataset_user, "history": history, "recs": recs, "state": state}
    return render(request, "recommender/user.html", context)


def _stars(dataset: Dataset) -> list[int]:
    """The star values for a data set's scale (whole stars, at least 1)."""
    return list(range(int(max(1, round(dataset.rating_min))), int(round(dataset.rating_max)) + 1))


def item_page(request, item_id: int):
    item = _found(selectors.item_get, item_id=item_id)
    mean = item.ratings.aggregate(mean=Avg("rating"))["mean"]
    similar, state = _model_state(item.dataset.slug, serving.item_similar, item_id=item_id, k=20)
    # MovieLens titles end in "(1977)" already: the year is shown once, not twice.
    year_shown = item.year if item.year and f"({item.year})" not in item.title else None
    context = {
        "item": item,
        "year_shown": year_shown,
        "mean_rating": mean,
        "similar": similar,
        "state": state,
        "stars": _stars(item.dataset),
    }
    return render(request, "recommender/item.html", context)


@ensure_csrf_cookie  # the page POSTs to the fold-in API, which checks CSRF for signed-in users
def rate_page(request):
    """Rate a few items and watch recommendations follow (fold-in through the API, no retraining)."""
    datasets = list(Dataset.objects.all())
    with_model = {e["dataset"].slug for e in selectors.dataset_list() if e["active_model"]}
    chosen = request.GET.get("dataset")
    dataset = next((d for d in datasets if d.slug == chosen), None)
    if chosen and dataset is None:
        raise Http404(f"No rating data set {chosen!r}.")
    if dataset is None and datasets:  # by default a real data set that has a model
        dataset = min(datasets, key=lambda d: (d.slug not in with_model, d.is_synthetic, d.slug))
    config = None
    state: dict[str, Any] = {}
    if dataset is not None:
        config = {
            "dataset": dataset.slug,
            "stars": _stars(dataset),
            "itemsUrl": f"/api/datasets/{dataset.slug}/items/",
            "foldinUrl": f"/api/datasets/{dataset.slug}/recommendations/",
            "k": 20,
        }
        if dataset.slug not in with_model:
            state = {
                "message": "No trained model for this data set yet: rate away, recommendations appear once one is.",
                "job": selectors.training_job_active(slug=dataset.slug),
            }
    context = {"datasets": datasets, "dataset": dataset, "config": config, "state": state}
    return render(request, "recommender/rate.html", context)
