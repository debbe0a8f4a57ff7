"""Reads of the recommender's catalogue: data sets, items, users and their ratings, the home card.

What the active model says about them (recommendations, fold-in, similar items) is in `serving`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from apps.core.errors import NotFound
from apps.core.models import Job
from apps.core.registry import DEFAULT_SLOT
from apps.core.selectors import job_active, model_versions_active
from apps.recommender.models import Dataset, DatasetUser, Item, Rating

RECOMMENDER_KIND = "recommender"
TRAINING_JOB_KIND = "train.recommender"
DB_INT_MAX = 2**63 - 1  # larger ids cannot be in the table and would overflow SQLite's integers
ITEM_ORDERS = {"popular": ("-n_ratings", "index"), "title": ("title", "index"), "index": ("index",)}


def dataset_get(*, slug: str) -> Dataset:
    dataset = Dataset.objects.filter(slug=slug).first()
    if dataset is None:
        raise NotFound(f"No rating data set {slug!r}.")
    return dataset


def dataset_list() -> list[dict[str, Any]]:
    """Every data set with its counts and its active model (two queries)."""
    versions = model_versions_active(kind=RECOMMENDER_KIND)
    active = {dataset: version for (dataset, slot), version in versions.items() if slot == DEFAULT_SLOT}
    return [{"dataset": d, "active_model": active.get(d.slug)} for d in Dataset.objects.all()]


def item_list(*, dataset: Dataset, search: str = "", order: str = "popular") -> QuerySet[Item]:
    """The catalogue, most rated first by default; `search` matches titles (and an exact item id)."""
    items = Item.objects.filter(dataset=dataset)
    search = search.strip()
    if search:
        items = items.filter(Q(title__icontains=search) | Q(external_id=search))
    return items.order_by(*ITEM_ORDERS[order])


def item_get(*, item_id: int) -> Item:
    item = Item.objects.select_related("dataset").filter(pk=item_id).first() if 0 < item_id <= DB_INT_MAX else None
    if item is None:
        raise NotFound(f"No item {item_id}.")
    return item


def user_list(*, dataset: Dataset, search: str = "") -> QuerySet[DatasetUser]:
    users = DatasetUser.objects.filter(dataset=dataset)
    if search.strip():
        users = users.filter(external_id__istartswith=search.strip())
    return users.order_by("index")


def user_get(*, dataset: Dataset, user: str) -> DatasetUser:
    found = DatasetUser.objects.filter(dataset=dataset, external_id=user).first()
    if found is None:
        raise NotFound(f"No user {user!r} in data set {dataset.slug!r}.")
    return found


def user_ratings(*, user: DatasetUser) -> QuerySet[Rating]:
    """A user's history, best rated first, then most recent."""
    return Rating.objects.filter(user=user).select_related("item").order_by("-rating", "-timestamp", "item__index")


def training_job_active(*, slug: str) -> Job | None:
    """The queued or running training job of a data set, for pages to show its progress."""
    return job_active(kind=TRAINING_JOB_KIND, dataset=slug)


# --- the home page -----------------------------------------------------------------------------


def _metric(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "—"


def home_card() -> dict[str, Any]:
    from django.urls import reverse

    return {
        "title": "Recommendations",
        "url": reverse("recommender:datasets"),
        "description": "A collaborative-filtering autoencoder (Mult-VAE, Mult-DAE, EASE) over real ratings: "
        "browse users, rate a few movies yourself, see why each item is recommended.",
        "lines": home_card_lines(),
    }


def home_card_lines() -> list[str]:
    """Per data set: counts, and the active model's test NDCG@100 beside EASE's on the same split."""
    lines = []
    for entry in dataset_list():
        d, version = entry["dataset"], entry["active_model"]
        line = f"{d.name}: {d.n_users:,} users, {d.n_items:,} items, {d.n_ratings:,} ratings"
        if d.is_synthetic:
            line += " (synthetic)"
        if version is None:
            line += " · no trained model yet"
        else:
            ease = (version.baselines or {}).get("ease") or {}
            line += (
                f" · {version.name} v{version.version}: NDCG@100 {_metric(version.metrics.get('ndcg@100'))}"
                f" (EASE {_metric(ease.get('ndcg@100'))})"
            )
        lines.append(line)
    return lines
