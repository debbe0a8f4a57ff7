"""Reads for the gallery: its active models per slot, images with filters, the page's state."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.core.errors import NotFound
from apps.core.ml.image_datasets import dataset_class_names, dataset_spec
from apps.core.models import ACTIVE_STATUSES, Job, ModelVersion
from apps.core.selectors import id_possible, model_versions_active
from apps.core.wording import count_noun
from apps.gallery.models import GeneratedImage, ImageKind
from apps.gallery.slots import DATASETS, DEFAULT_DATASET, VAE_KIND


def gallery_models_active() -> dict[str, dict[str, ModelVersion]]:
    """{dataset: {slot: version}} of every active gallery model."""
    out: dict[str, dict[str, ModelVersion]] = {}
    for (dataset, slot), version in model_versions_active(kind=VAE_KIND).items():
        if dataset in DATASETS:
            out.setdefault(dataset, {})[slot] = version
    return out


def gallery_dataset_default() -> str:
    """Fashion-MNIST unless only another data set has gallery models."""
    active = gallery_models_active()
    if DEFAULT_DATASET in active or not active:
        return DEFAULT_DATASET
    return sorted(active)[0]


def image_list(
    *,
    label: str = "",
    model_version: int | None = None,
    kind: str = "",
    job=None,
    dataset: str = "",
) -> QuerySet[GeneratedImage]:
    images = GeneratedImage.objects.select_related("model_version")
    if label:
        images = images.filter(label__iexact=label)
    if model_version:
        images = images.filter(model_version_id=model_version) if id_possible(model_version) else images.none()
    if kind:
        images = images.filter(kind=kind)
    if job:
        images = images.filter(job_id=job).order_by("kind", "position")
    if dataset:
        images = images.filter(model_version__dataset=dataset)
    return images


def image_get(*, image_id: int) -> GeneratedImage:
    image = (
        GeneratedImage.objects.select_related("model_version").filter(id=image_id).first()
        if id_possible(image_id)
        else None
    )
    if image is None:
        raise NotFound(f"No gallery image {image_id}.")
    return image


def gallery_versions() -> QuerySet[ModelVersion]:
    """Model versions that have images in the gallery (the page's filter)."""
    return ModelVersion.objects.filter(kind=VAE_KIND, gallery_images__isnull=False).distinct()


def gallery_labels() -> list[str]:
    return sorted(set(GeneratedImage.objects.exclude(label="").values_list("label", flat=True)))


def label_choices(*, dataset: str) -> list[tuple[str, str]]:
    """(stored label, what people read) for a data set's classes, in label order: MNIST's are digits."""
    names = dataset_class_names(dataset)
    if dataset == "mnist":
        return [(name, str(index)) for index, name in enumerate(names)]
    return [(name, name) for name in names]


def dataset_title(dataset: str) -> str:
    return dataset_spec(dataset).title


def generation_job_active(*, dataset: str) -> Job | None:
    """The oldest queued or running generation for a data set (seed_demo's first images, say)."""
    return (
        Job.objects.filter(kind="gallery.generate", status__in=ACTIVE_STATUSES, params__dataset=dataset)
        .order_by("created_at")
        .first()
    )


def latest_images(*, kind: str, dataset: str) -> list[GeneratedImage]:
    """The images of the most recent job that made `kind` images for `dataset`."""
    last = image_list(kind=kind, dataset=dataset).exclude(job=None).first()
    if last is None:
        return []
    return list(image_list(job=last.job_id))


def training_jobs_active(*, dataset: str = "") -> list[Job]:
    jobs = Job.objects.filter(kind="train.vae", status__in=ACTIVE_STATUSES)
    return list(jobs.filter(params__dataset=dataset) if dataset else jobs)


def gallery_state(*, dataset: str) -> dict[str, Any]:
    active = gallery_models_active().get(dataset, {})
    return {
        "dataset": dataset,
        "class_names": dataset_class_names(dataset),
        "models": active,  # {slot: version}: default, conditional, latent2d
        "latent_map": latest_images(kind=ImageKind.LATENT_MAP, dataset=dataset)[:1],
        "reconstructions": latest_images(kind=ImageKind.RECONSTRUCTION, dataset=dataset),
        "training": training_jobs_active(dataset=dataset),
    }


def home_card() -> dict:
    from django.urls import reverse

    return {
        "title": "Image gallery",
        "url": reverse("gallery:gallery"),
        "description": "A variational autoencoder trained on Fashion-MNIST and MNIST: generate new images "
        "(ask for sneakers or a 7), walk the latent space between two, explore the 2-D latent map.",
        "lines": home_card_lines(),
    }


def home_card_lines() -> list[str]:
    lines = []
    for dataset, slots in sorted(gallery_models_active().items()):
        for slot, version in sorted(slots.items()):
            # MNIST is read against the literature on its binarised test set, so that figure is shown.
            binarised = version.metrics.get("binarized_iwae_nll")
            nll = binarised if isinstance(binarised, int | float) else version.metrics.get("iwae_nll")
            shown = f"IWAE NLL {nll:.1f} nats" if isinstance(nll, int | float) else "not evaluated"
            shown += " (binarised)" if nll is binarised and nll is not None else ""
            lines.append(f"{dataset}: {version.name} v{version.version} ({slot}) · {shown}")
    count = GeneratedImage.objects.count()
    if lines:
        lines.append(f"{count_noun(count, 'image')} in the gallery")
    else:
        lines.append("No trained model yet: `manage.py train vae` or `seed_demo`.")
    return lines
