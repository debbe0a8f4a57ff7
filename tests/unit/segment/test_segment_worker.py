"""The segment.image handler run in this process with a tiny untrained model: the files it writes (mask,
overlay, labels) have the image's size and agree with each other, the areas sum to one, a sample is scored
against its truth, and a second run does nothing twice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from django.conf import settings
from PIL import Image

from apps.core.runner import JobReporter
from apps.segment.ml.overlay import mask_rgb
from apps.segment.services import segment_request_create
from apps.segment.worker import segment_image_job
from tests.integration.denoise import files
from tests.integration.segment.conftest import (  # noqa: F401 (fixtures)
    em_dir,
    fashion_dir,
    segment_fresh,
    tiny_segmenter,
    tiny_segmenter_register,
)


class Reporter(JobReporter):
    """Records progress instead of writing it to a job row (the handler runs outside a worker here)."""

    def __init__(self) -> None:
        self.progress: list[float] = []

    def update(self, *, progress=None, message=None, epoch=None) -> None:
        self.progress.append(progress)


def media(name: str) -> np.ndarray:
    return np.asarray(Image.open(Path(settings.MEDIA_ROOT) / name))


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.django_db
def test_a_scene_is_segmented_scored_and_not_redone(tiny_segmenter, fashion_dir):  # noqa: F811
    request = segment_request_create(sample="scene", seed=5)
    reporter = Reporter()
    summary = segment_image_job(request.job, reporter)
    request.refresh_from_db()
    labels = media(request.labels.name)
    assert labels.shape == (request.height, request.width) and labels.dtype == np.uint8 and labels.max() <= 10
    colours = [c["colour"] for c in request.classes]
    assert np.array_equal(media(request.mask.name), mask_rgb(labels, colours))
    overlay = media(request.overlay.name)
    assert overlay.shape == (request.height, request.width, 3)
    areas = [c["area"] for c in request.classes]
    assert sum(areas) == pytest.approx(1.0, abs=1e-4)
    assert areas[0] == pytest.approx(float((labels == 0).mean()), abs=1e-5)
    scores = request.scores
    truth = media(request.truth_labels.name)
    assert scores["pixel_accuracy"] == pytest.approx(float((labels == truth).mean()))
    assert set(scores["iou"]) == {c["name"] for c in request.classes} and 0 <= scores["miou"] <= 1
    assert summary["scores"] == scores and summary["seconds"] > 0 and str(request.id) not in str(summary)
    assert reporter.progress and max(reporter.progress) <= 1
    # Redelivered: answered from the row, nothing recomputed or rewritten.
    written = (Path(settings.MEDIA_ROOT) / request.mask.name).stat().st_mtime_ns
    again = Reporter()
    assert segment_image_job(request.job, again) == summary and again.progress == []
    assert (Path(settings.MEDIA_ROOT) / request.mask.name).stat().st_mtime_ns == written


@pytest.mark.django_db
def test_an_upload_with_alpha_is_segmented_without_scores(tiny_segmenter):  # noqa: F811
    request = segment_request_create(data=files.png((70, 45), "RGBA"), name="x.png")
    segment_image_job(request.job, Reporter())
    request.refresh_from_db()
    assert request.scores is None and not request.truth
    assert media(request.labels.name).shape == (45, 70)
    assert media(request.overlay.name).shape == (45, 70, 3)
    assert sum(c["area"] for c in request.classes) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.django_db
def test_an_em_slice_goes_through_a_grey_model(em_dir):  # noqa: F811
    tiny_segmenter_register("isbi-em")
    request = segment_request_create(sample="em-26")
    segment_image_job(request.job, Reporter())
    request.refresh_from_db()
    labels = media(request.labels.name)
    assert labels.shape == (512, 512) and labels.max() <= 1
    assert [c["name"] for c in request.classes] == ["cell", "membrane"]
    assert set(request.scores["iou"]) == {"cell", "membrane"}
    truth = np.asarray(Image.open(em_dir / "label" / "26.png").convert("L")) < 128
    assert request.scores["pixel_accuracy"] == pytest.approx(float((labels == truth).mean()))
