"""Writes for the segment app: a request (checked, stored, queued), purging what has expired.

A request is an upload (the denoise page's checks: apps.core.image_upload_check) or a sample made here:
a generated Fashionopolis scene or an ISBI EM slice, each stored with its true mask so the worker can
score the prediction. Every refusal (400 bad input, 409 no model or no data, 429 over the pixel
budget, 503 broker down) leaves no row, no file and no job behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from apps.core.errors import Conflict, InvalidInput
from apps.core.image_files import png_bytes
from apps.core.image_upload_check import image_upload_check
from apps.core.media_requests import media_expiry, media_request_store, media_requests_purge
from apps.core.models import ModelVersion
from apps.core.rate_limits import pixel_budget_take
from apps.segment import samples
from apps.segment.ml.overlay import mask_rgb
from apps.segment.models import MEDIA_ROOT_FOLDER, SegmentRequest
from apps.segment.params import Sample, dataset_parse, sample_dataset_check, sample_parse
from apps.segment.selectors import segmenter_active, version_classes
from apps.segment.slots import IMAGE_KIND, train_command


@dataclass
class _Source:
    """The image to segment, as it will be stored, and its true labels when known."""

    content: bytes
    extension: str
    width: int
    height: int
    mode: str
    format: str
    name: str = ""
    sample: str = ""
    truth: np.ndarray | None = None
    converted: list[str] = field(default_factory=list)


def segment_request_create(
    *,
    data: bytes | None = None,
    name: str = "",
    sample: str = "",
    seed: int | None = None,
    dataset: str | None = None,
    user=None,
    client: str = "",
) -> SegmentRequest:
    """Check the image (upload bytes, or a sample: "scene" + seed, "scene-<seed>", "em-<n>"), store it and queue
    its segmentation with the active model of its data set.

    `client` (apps.core.throttling.client_ident) pays the image's pixels from its hourly budget once the image is
    known good and a model is there; a refusal or failure after that gives them back.
    """
    if (data is None) == (not sample):
        raise InvalidInput("image", "send either an image file or a sample, not both or neither")
    if sample:
        chosen = sample_parse(sample, seed=seed)
        dataset = sample_dataset_check(chosen, dataset)
    else:
        if seed is not None:
            raise InvalidInput("seed", "a seed chooses a generated scene; it has no meaning for an upload")
        dataset = dataset_parse(dataset)
        checked = image_upload_check(
            data=data, max_bytes=settings.AEWEB_UPLOAD_MAX_BYTES, max_pixels=settings.AEWEB_UPLOAD_MAX_PIXELS
        )
    # The sample's data first: without it no model could be trained either, and the 409 should say so.
    source = _sample_source(chosen) if sample else _upload_source(checked, name)
    version = segmenter_active(dataset)
    if version is None:
        raise Conflict(
            f"No segmentation model is active for {dataset} yet. Train one (`{train_command(dataset)}`, or the "
            "admin; `seed_demo` registers the shipped Fashionopolis weights) and try again."
        )
    charge = pixel_budget_take(client=client, width=source.width, height=source.height, done="segmented")
    try:
        return _segment_request_store(source=source, version=version, dataset=dataset, user=user)
    except BaseException:
        charge.refund()
        raise


def _upload_source(checked, name: str) -> _Source:
    return _Source(
        content=checked.content,
        extension=checked.extension,
        width=checked.width,
        height=checked.height,
        mode=checked.mode,
        format=checked.format,
        name=name,
        converted=list(checked.converted),
    )


def _sample_source(sample: Sample) -> _Source:
    image, truth = samples.scene_arrays(sample.number) if sample.kind == "scene" else samples.em_arrays(sample.number)
    height, width = image.shape[:2]
    return _Source(
        content=png_bytes(np.ascontiguousarray(image)),
        extension="png",
        width=width,
        height=height,
        mode="RGB" if image.ndim == 3 else "L",
        format="PNG",
        name=f"{sample.name}.png",
        sample=sample.name,
        truth=np.asarray(truth, dtype=np.uint8),
    )


def _segment_request_store(*, source: _Source, version: ModelVersion, dataset: str, user) -> SegmentRequest:
    import uuid

    request_id = uuid.uuid4()
    folder = SegmentRequest.folder_of(request_id)
    classes = version_classes(version, dataset)
    paths = {"input": f"{folder}/input.{source.extension}"}
    files = {paths["input"]: source.content}
    if source.truth is not None:
        paths["truth"], paths["truth_labels"] = f"{folder}/truth.png", f"{folder}/truth-labels.png"
        files[paths["truth"]] = png_bytes(mask_rgb(source.truth, [c["colour"] for c in classes]))
        files[paths["truth_labels"]] = png_bytes(source.truth)

    def create(job) -> SegmentRequest:
        return SegmentRequest.objects.create(
            id=request_id,
            job=job,
            model_version=version,
            dataset=dataset,
            sample=source.sample,
            classes=classes,
            **SegmentRequest.image_fields(source, source.name),
            expires_at=media_expiry(settings.AEWEB_SEGMENT_RETENTION_HOURS),
            **paths,
        )

    # The request's id stays out of the job (its params and result are public): the worker finds the
    # request through its job.
    params = {"dataset": dataset, "size": f"{source.width}x{source.height}", "sample": source.sample}
    return media_request_store(
        folder=folder, files=files, job_kind=IMAGE_KIND, job_params=params, create=create, user=user
    )


def segment_requests_purge(*, now=None) -> int:
    """Delete requests past the retention time (rows and files); returns how many (beat: segment_purge)."""
    return media_requests_purge(
        model=SegmentRequest, root=MEDIA_ROOT_FOLDER, hours=settings.AEWEB_SEGMENT_RETENTION_HOURS, now=now
    )
