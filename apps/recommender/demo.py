"""The recommender's part of `seed_demo`: MovieLens 100K (or a labelled stand-in) and a first job."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from apps.core import services as core_services
from apps.core.selectors import job_active, model_version_active
from apps.recommender import services
from apps.recommender.models import Dataset
from apps.recommender.selectors import RECOMMENDER_KIND, TRAINING_JOB_KIND
from apps.recommender.sources import ml100k_locate, synthetic_ratings_write


def demo_seed(*, out, train: bool = True) -> None:
    dataset = Dataset.objects.filter(slug__in=["ml-100k", "synthetic"]).order_by("slug").first()
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
        job = core_services.training_job_start(kind="recommender", dataset=dataset.slug, model="mult-vae")
        out.write(f"Started the first training job: /jobs/{job.id}/ (recommendations appear when it ends)")
