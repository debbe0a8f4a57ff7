"""Reads for the recommender: the catalogue from the database, recommendations from the serving arrays.

Recommendations, fold-in and similar items never touch torch: they come from the NumPy arrays
the trainer exported (`ml.serving.ServingModel`), loaded once per process and model version
together with everything a response needs about items and users (`ServingBundle`), so a
request costs NumPy plus at most one small query (the active pointer, itself remembered for a
second: see `active_pointer`).
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save
from rest_framework.exceptions import NotFound, ValidationError

from apps.core.artifacts import artifact_verify
from apps.core.device import VersionCache
from apps.core.errors import Conflict, ServiceUnavailable
from apps.core.models import ACTIVE_STATUSES, ActiveModel, Job, ModelVersion
from apps.recommender.ml.serving import ServingModel
from apps.recommender.models import Dataset, DatasetUser, Item, Rating

RECOMMENDER_KIND = "recommender"
TRAINING_JOB_KIND = "train.recommender"
K_DEFAULT = 20
K_MAX = 100
FOLDIN_MAX_RATINGS = 5000
PAGE_SIZE_MAX = 200
POINTER_TTL = 1.0  # seconds; settings.AEWEB_ACTIVE_MODEL_TTL overrides
DB_INT_MAX = 2**63 - 1  # larger ids cannot be in the table and would overflow SQLite's integers
ITEM_ORDERS = {"popular": ("-n_ratings", "index"), "title": ("title", "index"), "index": ("index",)}


class NoModelYet(Conflict):
    default_code = "no_model"


# --- catalogue ---------------------------------------------------------------------------------


def dataset_get(*, slug: str) -> Dataset:
    dataset = Dataset.objects.filter(slug=slug).first()
    if dataset is None:
        raise NotFound(f"No rating data set {slug!r}.")
    return dataset


def dataset_list() -> list[dict[str, Any]]:
    """Every data set with its counts and its active model (two queries)."""
    active = {
        a.dataset: a.model_version
        for a in ActiveModel.objects.filter(kind=RECOMMENDER_KIND).select_related("model_version")
    }
    return [{"dataset": d, "active_model": active.get(d.slug)} for d in Dataset.objects.all()]


@dataclass(frozen=True)
class Page:
    count: int
    page: int
    pages: int
    page_size: int
    results: list

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None


def page_get(queryset: QuerySet, *, page: int, page_size: int) -> Page:
    """One page of a queryset; a page past the last one is a 404 (page 1 of nothing is empty)."""
    count = queryset.count()
    pages = max(1, math.ceil(count / page_size))
    if page > pages:
        raise NotFound(f"Page {page} is past the last page ({pages}).")
    start = (page - 1) * page_size
    return Page(count, page, pages, page_size, list(queryset[start : start + page_size]))


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


def item_json(item: Item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "year": item.year,
        "genres": item.genres,
        "external_id": item.external_id,
    }


# --- the active model and its arrays ------------------------------------------------------------


@dataclass(frozen=True)
class ServingBundle:
    """A model version's serving arrays plus the catalogue facts its responses need, by model index."""

    model: ServingModel
    model_json: dict[str, Any]  # {"id", "version", "name"}
    dataset_slug: str
    rating_min: float
    rating_max: float
    items: list[dict[str, Any]]  # item JSON per model column
    refs: list[dict[str, Any]]  # {"id", "title"} per model column, for "because"
    index_by_item: dict[int, int]  # Item pk → model column
    index_by_user: dict[str, int]  # user id as in the data set → model row
    # The same, encoded once: a response is then joined from strings instead of encoding ~6 KB each time.
    items_encoded: list[str]
    refs_encoded: list[str]
    model_encoded: str


_bundles = VersionCache(size=4)
_bundles_lock = threading.Lock()
_pointers: dict[str, tuple[float, tuple[int, Any]]] = {}  # slug → (when read, pointer)


def _no_model(slug: str) -> NoModelYet | NotFound:
    """Why a data set has nothing to serve: it does not exist, a first model is training, or none is."""
    if not Dataset.objects.filter(slug=slug).exists():
        return NotFound(f"No rating data set {slug!r}.")
    job = Job.objects.filter(kind=TRAINING_JOB_KIND, status__in=ACTIVE_STATUSES, params__dataset=slug).first()
    if job is not None:
        return NoModelYet(
            f"No trained model for {slug!r} yet; a training job is {job.status} (job {job.id}): "
            "recommendations appear when it ends."
        )
    return NoModelYet(
        f"No trained model for {slug!r} yet; train one (staff: POST /api/jobs/ with "
        f'{{"kind": "recommender", "dataset": "{slug}"}}, or `manage.py train recommender --dataset {slug}`).'
    )


def training_job_active(*, slug: str) -> Job | None:
    """The queued or running training job of a data set, for pages to show its progress."""
    return Job.objects.filter(kind=TRAINING_JOB_KIND, status__in=ACTIVE_STATUSES, params__dataset=slug).first()


@cache
def _pointer_sql() -> str:
    meta = ActiveModel._meta
    quote = connection.ops.quote_name
    version, activated, kind, dataset = (
        quote(meta.get_field(name).column) for name in ("model_version", "activated_at", "kind", "dataset")
    )
    return f"SELECT {version}, {activated} FROM {quote(meta.db_table)} WHERE {kind} = %s AND {dataset} = %s"


def _active_pointer(slug: str) -> tuple[int, Any] | None:
    """(model version id, activated_at) of a data set's active model, in plain SQL: this runs on every
    recommendation request, and building the equivalent ORM query costs more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(_pointer_sql(), [RECOMMENDER_KIND, slug])
        return cursor.fetchone()


def _pointer_ttl() -> float:
    return float(getattr(settings, "AEWEB_ACTIVE_MODEL_TTL", POINTER_TTL))


def active_pointer(slug: str) -> tuple[int, Any] | None:
    """The active pointer, remembered for up to AEWEB_ACTIVE_MODEL_TTL seconds (default 1).

    Under load the database round trip costs more than the whole recommendation, so the hot
    endpoints read the pointer from memory. An activation made in this process is seen at once
    (the signal handlers below); one made elsewhere (a worker) within the TTL. "No model" is
    never remembered, so a first model serves as soon as it is active. A TTL of 0 reads the
    database every time.
    """
    ttl = _pointer_ttl()
    now = time.monotonic()
    remembered = _pointers.get(slug)
    if remembered is not None and now - remembered[0] < ttl:
        return remembered[1]
    pointer = _active_pointer(slug)
    if pointer is None or ttl <= 0:
        _pointers.pop(slug, None)
    else:
        _pointers[slug] = (now, pointer)
    return pointer


def _pointers_forget(**_kwargs) -> None:
    _pointers.clear()
    # Again after the commit: a request in another thread may have read the old row before it.
    transaction.on_commit(_pointers.clear)


post_save.connect(_pointers_forget, sender=ActiveModel, dispatch_uid="recommender-pointers-save")
post_delete.connect(_pointers_forget, sender=ActiveModel, dispatch_uid="recommender-pointers-delete")


def serving_bundle(*, slug: str) -> ServingBundle:
    """The active model of a data set, ready to serve. At most one query; the arrays load once per version.

    The cache key is the pointer itself: a version is immutable (its serving file's sha256 is
    checked when it loads), and every activation, re-activation included, stamps a new
    activated_at, so a version activated again after its data set was re-imported is reloaded
    and checked rather than served from a stale catalogue.
    """
    pointer = active_pointer(slug)
    if pointer is None:
        raise _no_model(slug)
    version_id, activated_at = pointer
    with _bundles_lock:
        bundle = _bundles.get((slug, version_id, str(activated_at)), lambda: _bundle_or_stale(version_id, slug))
    if isinstance(bundle, Conflict):
        raise Conflict(bundle.detail)  # a new one: a stored exception would grow its traceback per raise
    return bundle


def _bundle_or_stale(version_id: int, slug: str) -> ServingBundle | Conflict:
    """A stale model stays stale until the pointer moves: remember that instead of hashing its file per request."""
    try:
        return serving_bundle_load(version_id=version_id, slug=slug)
    except Conflict as exc:
        return exc


def serving_bundle_load(*, version_id: int, slug: str) -> ServingBundle:
    version = ModelVersion.objects.filter(pk=version_id).first()
    if version is None:  # deleted after its pointer moved on, between our read and now
        raise ServiceUnavailable("The active model changed while it was loading; try again.")
    dataset = dataset_get(slug=slug)
    dataset_pk = dataset.pk
    info = version.artifacts.get("serving")
    if not info:
        raise ServiceUnavailable(f"Model v{version.version} of {dataset.slug!r} has no serving arrays; retrain it.")
    try:
        model = ServingModel.load(artifact_verify(info))
    except (OSError, ValueError) as exc:
        raise ServiceUnavailable(
            f"The files of model v{version.version} ({dataset.slug}) are missing or damaged ({exc}); "
            "activate another version or retrain."
        ) from exc

    items = {
        pk: (index, {"id": pk, "title": title, "year": year, "genres": genres, "external_id": external_id})
        for pk, index, external_id, title, year, genres in Item.objects.filter(dataset_id=dataset_pk).values_list(
            "pk", "index", "external_id", "title", "year", "genres"
        )
    }
    users = dict(DatasetUser.objects.filter(dataset_id=dataset_pk).values_list("pk", "external_id"))
    # The trainer stores the database ids of its rows and columns; older arrays follow Item.index order.
    item_pks = model.arrays.get("db_item_ids")
    if item_pks is None:
        item_pks = np.array(sorted(items, key=lambda pk: items[pk][0]), dtype=np.int64)
    user_pks = model.arrays.get("db_user_ids")
    if user_pks is None:
        user_pks = np.array(
            DatasetUser.objects.filter(dataset_id=dataset_pk).order_by("index").values_list("pk", flat=True)
        )
    item_pks, user_pks = item_pks.tolist(), user_pks.tolist()
    stale = len(item_pks) != model.n_items or len(user_pks) != model.n_users
    if stale or any(pk not in items for pk in item_pks) or any(pk not in users for pk in user_pks):
        raise Conflict(
            f"The active model v{version.version} of {dataset.slug!r} was trained on an earlier import of this "
            "data set; retrain it."
        )
    item_rows = [items[pk][1] for pk in item_pks]
    refs = [{"id": row["id"], "title": row["title"]} for row in item_rows]
    model_json = {"id": version.id, "version": version.version, "name": version.name}
    return ServingBundle(
        model=model,
        model_json=model_json,
        dataset_slug=dataset.slug,
        rating_min=dataset.rating_min,
        rating_max=dataset.rating_max,
        items=item_rows,
        refs=refs,
        index_by_item={pk: index for index, pk in enumerate(item_pks)},
        index_by_user={users[pk]: index for index, pk in enumerate(user_pks)},
        items_encoded=[json_encode(row) for row in item_rows],
        refs_encoded=[json_encode(ref) for ref in refs],
        model_encoded=json_encode(model_json),
    )


def serving_cache_clear() -> None:
    """Forget every remembered pointer and loaded version (tests; a process that must reload)."""
    global _bundles
    with _bundles_lock:
        _bundles = VersionCache(size=4)
    _pointers.clear()


# --- recommendations ------------------------------------------------------------------------------


def json_encode(value: Any) -> str:
    """JSON as DRF's renderer writes it (compact, UTF-8 text), for fragments joined into responses."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def because_compute(model: ServingModel, liked: np.ndarray, recs: np.ndarray, n: int = 3) -> list[list[int]]:
    """For each recommended item, up to n liked items most similar to it (similarity > 0), best first.

    What `ServingModel.because` answers, for the whole list in a few array operations instead of
    a sort per item: on the request path that is the difference between 0.1 and 0.4 ms."""
    liked = np.asarray(liked, dtype=np.int64)
    liked = liked[model.known[liked]] if len(liked) else liked
    recs = np.asarray(recs, dtype=np.int64)
    if not len(liked) or not len(recs):
        return [[] for _ in range(len(recs))]
    sims = np.asarray(model.similarity(recs, liked), dtype=np.float32)
    sims[recs[:, None] == liked[None, :]] = -np.inf
    n = min(n, len(liked))
    if n < len(liked):
        chosen = np.argpartition(-sims, n - 1, axis=1)[:, :n]
    else:
        chosen = np.broadcast_to(np.arange(n), (len(recs), n))
    values = np.take_along_axis(sims, chosen, axis=1)
    order = np.lexsort((chosen, -values))  # best first; equal similarities in history order
    chosen, values = np.take_along_axis(chosen, order, axis=1), np.take_along_axis(values, order, axis=1)
    picked = liked[chosen].tolist()
    return [
        [j for j, v in zip(row, vals, strict=True) if v > 0] for row, vals in zip(picked, values.tolist(), strict=True)
    ]


@dataclass(frozen=True)
class Recommendations:
    """One answer of the recommendations endpoints: model columns, scores and reasons (columns)."""

    bundle: ServingBundle
    user: str | None
    items: list[int]
    scores: list[float]
    because: list[list[int]]

    def as_dict(self) -> dict[str, Any]:
        b = self.bundle
        return {
            "dataset": b.dataset_slug,
            "user": self.user,
            "model": b.model_json,
            "items": [
                {"item": b.items[i], "score": s, "because": [b.refs[j] for j in why]}
                for i, s, why in zip(self.items, self.scores, self.because, strict=True)
            ],
        }

    def as_json(self) -> str:
        """The same as `json_encode(self.as_dict())`, joined from fragments encoded once per version."""
        b = self.bundle
        entries = ",".join(
            f'{{"item":{b.items_encoded[i]},"score":{s!r},"because":[{",".join(b.refs_encoded[j] for j in why)}]}}'
            for i, s, why in zip(self.items, self.scores, self.because, strict=True)
        )
        return (
            f'{{"dataset":{json_encode(b.dataset_slug)},"user":{json_encode(self.user)},'
            f'"model":{b.model_encoded},"items":[{entries}]}}'
        )


def _recommendations(bundle: ServingBundle, user: str | None, items, scores, liked) -> Recommendations:
    return Recommendations(
        bundle=bundle,
        user=user,
        items=items.tolist(),
        scores=scores.tolist(),
        because=because_compute(bundle.model, liked, items),
    )


def recommendations_user(*, slug: str, user: str, k: int = K_DEFAULT) -> Recommendations:
    """A data-set user's top k, precomputed at training time, each with the liked items that explain it."""
    bundle = serving_bundle(slug=slug)
    index = bundle.index_by_user.get(user)
    if index is None:
        raise NotFound(f"No user {user!r} in data set {slug!r}.")
    model = bundle.model
    rated, ratings = model.history(index)
    items, scores = model.topk_user(index, K_MAX)
    seen = np.zeros(model.n_items, dtype=bool)
    seen[rated] = True
    keep = ~seen[items]  # the trainer excluded them already; this guards the promise
    liked = rated[ratings > model.threshold]
    return _recommendations(bundle, user, items[keep][:k], scores[keep][:k], liked)


def foldin_ratings_check(bundle: ServingBundle, ratings: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Model columns and ratings of a visitor's list, or a 400 naming every bad entry (up to 20)."""
    errors: dict[str, list[str]] = {}
    indices, seen = [], {}
    low, high = bundle.rating_min, bundle.rating_max
    for position, (item, rating) in enumerate(ratings):
        index = bundle.index_by_item.get(item)
        if index is None:
            errors[f"ratings[{position}].item"] = [f"no item {item} in data set {bundle.dataset_slug!r}"]
        elif index in seen:
            errors[f"ratings[{position}].item"] = [f"item {item} is rated twice (also at ratings[{seen[index]}])"]
        else:
            seen[index] = position
        if not low <= rating <= high:
            errors[f"ratings[{position}].rating"] = [f"must be between {low:g} and {high:g}, not {rating:g}"]
        if len(errors) >= 20:
            break
        indices.append(index)
    if errors:
        raise ValidationError(errors)
    return np.array(indices, dtype=np.int64), np.array([r for _, r in ratings], dtype=np.float32)


def recommendations_foldin(*, slug: str, ratings: list[tuple[int, float]], k: int = K_DEFAULT) -> Recommendations:
    """Top k for a visitor from their ratings (Item ids), folded into the model in NumPy; no rated item."""
    bundle = serving_bundle(slug=slug)
    indices, values = foldin_ratings_check(bundle, ratings)
    items, scores = bundle.model.recommend_foldin(indices, values, k)
    return _recommendations(bundle, None, items, scores, indices[values > bundle.model.threshold])


def item_similar(*, item_id: int, k: int = K_DEFAULT) -> dict[str, Any]:
    """The items the active model finds most like this one."""
    slug = (
        Item.objects.filter(pk=item_id).values_list("dataset__slug", flat=True).first()
        if 0 < item_id <= DB_INT_MAX
        else None
    )
    if slug is None:
        raise NotFound(f"No item {item_id}.")
    bundle = serving_bundle(slug=slug)
    index = bundle.index_by_item.get(item_id)
    if index is None:  # the bundle's checks make this unreachable unless rows change under a loaded model
        raise Conflict(f"The active model of {slug!r} does not know item {item_id}; retrain it.")
    items, scores = bundle.model.similar(index, k)
    return {
        "item": bundle.items[index],
        "dataset": slug,
        "model": bundle.model_json,
        "items": [
            {"item": bundle.items[i], "score": float(s)} for i, s in zip(items.tolist(), scores.tolist(), strict=True)
        ],
    }


# --- the home page -----------------------------------------------------------------------------


def _metric(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "—"


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
