"""The recommender's part of `seed_demo`: MovieLens 100K (or a labelled stand-in) and the first jobs.

The first model is a closed-form one (seconds on ML-100K), so recommendations appear almost at
once; the ensemble and the deep model train after it, each replacing the served one only if its
validation NDCG@100 is higher.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from apps.core import services as core_services
from apps.core.models import ModelVersion
from apps.core.selectors import job_active, model_version_active
from apps.recommender import services
from apps.recommender.models import Dataset
from apps.recommender.selectors import RECOMMENDER_KIND, TRAINING_JOB_KIND
from apps.recommender.sources import ml100k_locate, synthetic_ratings_write

# In order: the quick closed-form model (EDLAE: EASE's closed form with the dropout penalty, which
# beat EASE on the validation and test users of ML-100K's splits), then, queued by `demo_seed_later`
# so every other app's first model is trained before them, the validated ensemble (EDLAE + Mult-DAE:
# the best of them, half a minute) and the VAE the lecture is about (minutes).
DEMO_MODELS = ("edlae", "ensemble", "mult-vae")
FIRST_MODEL, *LATER_MODELS = DEMO_MODELS


def demo_dataset() -> Dataset | None:
    return Dataset.objects.filter(slug__in=["ml-100k", "synthetic"]).order_by("slug").first()


def demo_seed(*, out, train: bool = True) -> None:
    dataset = demo_dataset()
    if dataset is None:
        folder = ml100k_locate()
        if folder is not None:
            out.write(f"Importing MovieLens 100K from {folder} ...")
            dataset = services.dataset_import(path=folder, fmt="ml-100k", slug="ml-100k", name="MovieLens 100K")
        else:
            out.write("MovieLens 100K not found (AEWEB_DATA_DIR, cache, download): using a SYNTHETIC data set.")
            path = synthetic_ratings_write(Path(settings.AEWEB_CACHE_DIR) / "synthetic" / "ratings.csv")
            dataset = services.dataset_import(
                path=path, fmt="csv", slug="synthetic", name="Synthetic ratings (not real data)"
            )
            Dataset.objects.filter(pk=dataset.pk).update(is_synthetic=True)
    out.write(f"Data set {dataset.slug}: {dataset.n_users} users, {dataset.n_items} items, {dataset.n_ratings} ratings")
    has_model = model_version_active(kind=RECOMMENDER_KIND, dataset=dataset.slug) is not None
    busy = job_active(kind=TRAINING_JOB_KIND) is not None
    if train and not has_model and not busy:
        job = core_services.training_job_start(kind="recommender", dataset=dataset.slug, model=FIRST_MODEL)
        out.write(f"Started the first training job ({FIRST_MODEL}): /jobs/{job.id}/ (recommendations follow it)")


def demo_seed_later(*, out, train: bool = True) -> None:
    """The later models, each once: not when a version of it exists or its training is queued."""
    dataset = demo_dataset()
    if not train or dataset is None:
        return
    for model in LATER_MODELS:
        made = ModelVersion.objects.filter(kind=RECOMMENDER_KIND, dataset=dataset.slug, name=model).exists()
        if made or job_active(kind=TRAINING_JOB_KIND, dataset=dataset.slug, model=model) is not None:
            continue
        job = core_services.training_job_start(kind="recommender", dataset=dataset.slug, model=model)
        out.write(f"Queued {model} after the other apps' first models: /jobs/{job.id}/ "
                  "(activated only if it validates better)")  # fmt: skip
