"""Writes for the gallery: starting generation jobs (web) and storing their PNGs (worker).

No torch here: images arrive as uint8 NumPy arrays and leave as PNG files through Pillow.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from PIL import Image

from apps.core.ml.files import atomic_write
from apps.core.models import Job, ModelVersion
from apps.core.services import job_create
from apps.gallery.models import GeneratedImage


def gallery_generate_start(
    *,
    count: int,
    seed: int | None = None,
    temperature: float | None = None,
    label: str | int | None = None,
    dataset: str = "",
    user=None,
) -> Job:
    params = {"count": count, "seed": seed, "temperature": temperature, "label": label, "dataset": dataset}
    return job_create(kind="gallery.generate", params=params, user=user)


def gallery_interpolate_start(*, start: int, end: int, steps: int = 8, user=None) -> Job:
    return job_create(kind="gallery.interpolate", params={"start": start, "end": end, "steps": steps}, user=user)


def gallery_latent_map_start(*, dataset: str = "", grid: int = 20, span: float = 2.5, user=None) -> Job:
    return job_create(kind="gallery.latent_map", params={"dataset": dataset, "grid": grid, "span": span}, user=user)


def gallery_reconstruct_start(*, dataset: str = "", count: int = 8, seed: int | None = None, user=None) -> Job:
    return job_create(kind="gallery.reconstruct", params={"dataset": dataset, "count": count, "seed": seed}, user=user)


# --- worker side: PNG files and their rows ---------------------------------------------------


@dataclass
class ImageEntry:
    """One image a handler made, before it is stored."""

    kind: str
    position: int
    pixels: np.ndarray  # uint8 H×W
    seed: int | None = None
    temperature: float | None = None
    latent: Any = None
    label: str = ""
    label_index: int | None = None


def png_encode(pixels: np.ndarray) -> bytes:
    """Grey-level PNG bytes; the same pixels always give the same bytes (no timestamps, fixed level)."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    if pixels.ndim != 2:
        raise ValueError(f"expected H×W grey levels, got shape {pixels.shape}")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def png_decode(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.uint8)


def media_write(relpath: str, data: bytes) -> Path:
    """Write under MEDIA_ROOT through a temporary name and one rename: never a half-written PNG."""
    return atomic_write(Path(settings.MEDIA_ROOT) / relpath, data)


def image_path(image: GeneratedImage) -> Path:
    return Path(settings.MEDIA_ROOT) / image.file


def images_missing(*, job: Job, wanted: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """Which (kind, position) of a job have no row yet: a retried job redoes only those."""
    have = set(GeneratedImage.objects.filter(job=job).values_list("kind", "position"))
    return [key for key in wanted if key not in have]


def images_store(*, job: Job, model_version: ModelVersion, entries: list[ImageEntry]) -> list[GeneratedImage]:
    """Write the PNGs and their rows; rows already there (a redelivered job) are kept, not doubled.

    The job row is locked while rows are added, so two deliveries of one job cannot both insert.
    """
    with transaction.atomic():
        Job.objects.select_for_update().filter(id=job.id).first()
        existing = {(i.kind, i.position): i for i in GeneratedImage.objects.filter(job=job)}
        for entry in entries:
            if (entry.kind, entry.position) in existing:
                continue
            relpath = f"gallery/{job.id}/{entry.kind}-{entry.position:03d}.png"
            media_write(relpath, png_encode(entry.pixels))
            existing[(entry.kind, entry.position)] = GeneratedImage.objects.create(
                file=relpath,
                kind=entry.kind,
                seed=entry.seed,
                temperature=entry.temperature,
                latent=entry.latent,
                label=entry.label,
                label_index=entry.label_index,
                model_version=model_version,
                job=job,
                position=entry.position,
            )
    return sorted(existing.values(), key=lambda i: (i.kind, i.position))
