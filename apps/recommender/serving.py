"""What the active model serves: recommendations, fold-in and similar items, from its NumPy arrays.

Never torch: the arrays the trainer exported (`ml.serving.ServingModel`) are loaded once per
process and pointer (core `loaded_get`), together with everything a response needs about items
and users (`ServingBundle`), so a request costs NumPy plus at most one small query (the active
pointer, itself remembered for a second: core `active_pointer`).

A recommendations response has one runtime form: the JSON body `Recommendations.as_json` joins
from fragments the bundle encoded once per model version. `RecommendationsSerializer` only
documents it (a test validates served bodies against the OpenAPI schema).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from apps.core.artifacts import artifact_verify
from apps.core.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from apps.core.loading import loaded_clear, loaded_get
from apps.core.models import ModelVersion
from apps.core.pointers import active_pointer, pointers_forget
from apps.recommender.ml.serving import ServingModel
from apps.recommender.models import Dataset, DatasetUser, Item
from apps.recommender.selectors import DB_INT_MAX, RECOMMENDER_KIND, dataset_get, training_job_active

K_DEFAULT = 20
K_MAX = 100
FOLDIN_MAX_RATINGS = 5000
FOLDIN_ERRORS_MAX = 20  # a 400 names this many bad entries at most


class NoModelYet(Conflict):
    code = "no_model"


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


# --- the active model and its arrays ------------------------------------------------------------


def _no_model(slug: str) -> NoModelYet | NotFound:
    """Why a data set has nothing to serve: it does not exist, a first model is training, or none is."""
    if not Dataset.objects.filter(slug=slug).exists():
        return NotFound(f"No rating data set {slug!r}.")
    job = training_job_active(slug=slug)
    if job is not None:
        return NoModelYet(
            f"No trained model for {slug!r} yet; a training job is {job.status} (job {job.id}): "
            "recommendations appear when it ends."
        )
    return NoModelYet(
        f"No trained model for {slug!r} yet; train one (staff: POST /api/jobs/ with "
        f'{{"kind": "recommender", "dataset": "{slug}"}}, or `manage.py train recommender --dataset {slug}`).'
    )


def serving_bundle(*, slug: str) -> ServingBundle:
    """The active model of a data set, ready to serve. At most one query; the arrays load once per version.

    The cache key is the pointer itself: a version is immutable (its serving file's sha256 is
    checked when it loads), and every activation, re-activation included, stamps a new
    activated_at, so a version activated again after its data set was re-imported is reloaded
    and checked rather than served from a stale catalogue.
    """
    pointer = active_pointer(kind=RECOMMENDER_KIND, dataset=slug)
    if pointer is None:
        raise _no_model(slug)
    version_id, activated_at = pointer
    key = ("recommender-bundle", slug, version_id, str(activated_at))
    bundle = loaded_get(key, lambda: _bundle_or_stale(version_id, slug))
    if isinstance(bundle, Conflict):
        raise Conflict(bundle.message)  # a new one: a stored exception would grow its traceback per raise
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
    loaded_clear()
    pointers_forget()


# --- recommendations ------------------------------------------------------------------------------


def json_encode(value: Any) -> str:
    """JSON as DRF's renderer writes it (compact, UTF-8 text), for fragments joined into responses."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True)
class Recommendations:
    """One answer of the recommendations endpoints: model columns, scores and reasons (columns).

    `as_json` is its one representation, the response body (RecommendationsSerializer documents it):
    `{"dataset", "user", "model": {"id", "version", "name"}, "items": [{"item", "score", "because"}]}`."""

    bundle: ServingBundle
    user: str | None
    items: list[int]
    scores: list[float]
    because: list[list[int]]

    def as_json(self) -> str:
        """The body, joined from fragments encoded once per version (what `json_encode` would write)."""
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
        because=bundle.model.because(liked, items),
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
    """Model columns and ratings of a visitor's list, or InvalidInput naming every bad entry (up to 20)."""
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
        if len(errors) >= FOLDIN_ERRORS_MAX:
            break
        indices.append(index)
    if errors:
        raise InvalidInput(errors=errors)
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
