"""The worker side of one segmentation request (torch through the ml package; workers only).

Idempotent in the Zulip-thumbnailer way: the request row is re-read, and a request whose files are all
there is answered from the row; PNGs are written under a temporary name and renamed, so a redelivered or
retried job never leaves half a file behind.
"""

from __future__ import annotations

import time

import numpy as np

from apps.core.device import device_resolve
from apps.core.image_files import image_load, image_save
from apps.core.loading import model_loaded
from apps.core.media_requests import media_path
from apps.segment.models import SegmentRequest
from apps.segment.selectors import version_classes

OVERLAY_ALPHA = 0.5  # the downloadable overlay; the page stacks the mask over the image at any opacity


def model_get(version):
    """The version's model, loaded once per worker process (checked against its sha256 first)."""
    from apps.segment.ml.checkpoint import segmenter_load

    return model_loaded(version, lambda path: segmenter_load(path, device_resolve()))


def _done(request: SegmentRequest) -> bool:
    return all(f and media_path(f.name).exists() for f in (request.mask, request.overlay, request.labels))


def segment_image_job(job, reporter) -> dict:
    from apps.segment.ml.inference import image_segment
    from apps.segment.ml.metrics import segmentation_scores
    from apps.segment.ml.overlay import class_areas, mask_rgb, overlay_rgb

    # Found through the job, not its params: the job API is public, and the request's id is its only key.
    request = SegmentRequest.objects.select_related("model_version").get(job=job)
    if _done(request):
        return _summary(request)
    version = request.model_version
    if version is None:
        raise RuntimeError("the model this request was queued for has been deleted; send the image again")
    started = time.monotonic()
    reporter.update(progress=0.02, message="Reading the image")
    image = image_load(media_path(request.input.name))
    model = model_get(version)
    height, width = image.shape[:2]

    on_batch = reporter.span(0.05, 0.85, f"Segmenting {width}×{height}")

    labels = image_segment(model, image, device=device_resolve(), progress=on_batch)
    labels = np.asarray(labels, dtype=np.uint8)
    classes = version_classes(version, request.dataset)
    names, colours = [c["name"] for c in classes], [c["colour"] for c in classes]
    reporter.update(progress=0.9, message="Measuring the classes' areas")
    areas = class_areas(labels, names)
    request.classes = [{**c, "area": round(float(areas.get(c["name"], 0.0)), 6)} for c in classes]
    if request.truth_labels:
        truth = image_load(media_path(request.truth_labels.name))
        request.scores = _json_safe(segmentation_scores(labels, truth, names))
    reporter.update(progress=0.95, message="Saving the mask and the overlay")
    request.labels.name = image_save(f"{request.folder}/labels.png", labels)
    request.mask.name = image_save(f"{request.folder}/mask.png", mask_rgb(labels, colours))
    request.overlay.name = image_save(
        f"{request.folder}/overlay.png", overlay_rgb(image, labels, colours, alpha=OVERLAY_ALPHA)
    )
    request.seconds = time.monotonic() - started
    request.save()
    return _summary(request)


def _json_safe(scores: dict) -> dict:
    """Plain floats (NumPy's would not go into JSON), None kept for classes absent from both maps."""

    def plain(value):
        return None if value is None else float(value)

    return {
        "pixel_accuracy": plain(scores.get("pixel_accuracy")),
        "miou": plain(scores.get("miou")),
        "iou": {str(name): plain(value) for name, value in (scores.get("iou") or {}).items()},
    }


def _summary(request: SegmentRequest) -> dict:
    # No request id or file URLs here: job results are readable by anyone who has the job's id.
    return {
        "dataset": request.dataset,
        "classes": [{"name": c["name"], "area": c.get("area")} for c in request.classes],
        "scores": request.scores,
        "seconds": request.seconds,
    }
