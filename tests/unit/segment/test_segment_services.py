"""The segment app's services and selectors: samples made the same from the same seed (through the service),
purging past the retention time, the legend's classes, a model's figures beside its baselines, the home card."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image

from apps.core.errors import InvalidInput
from apps.segment import samples, selectors
from apps.segment.models import SegmentRequest
from apps.segment.services import segment_request_create, segment_requests_purge
from tests.integration.segment.conftest import fashion_dir, segment_fresh, tiny_segmenter  # noqa: F401 (fixtures)


def stored(row: SegmentRequest, name: str) -> np.ndarray:
    return np.asarray(Image.open(Path(settings.MEDIA_ROOT) / row.folder / name))


@pytest.mark.django_db
def test_a_scene_is_the_same_for_the_same_seed_through_the_service(tiny_segmenter, fashion_dir):  # noqa: F811
    first = segment_request_create(sample="scene", seed=11)
    second = segment_request_create(sample="scene-11")
    other = segment_request_create(sample="scene", seed=12)
    assert first.sample == second.sample == "scene-11" and other.sample == "scene-12"
    assert np.array_equal(stored(first, "input.png"), stored(second, "input.png"))
    assert np.array_equal(stored(first, "truth-labels.png"), stored(second, "truth-labels.png"))
    assert not np.array_equal(stored(first, "input.png"), stored(other, "input.png"))
    # What was stored is what the page's thumbnail shows and what the ml package makes from that seed.
    image, truth = samples.scene_arrays(11)
    assert np.array_equal(stored(first, "input.png"), image) and np.array_equal(
        stored(first, "truth-labels.png"), truth
    )
    colours = [c["colour"] for c in first.classes]
    from apps.segment.ml.overlay import mask_rgb

    assert np.array_equal(stored(first, "truth.png"), mask_rgb(truth, colours))
    assert first.width == first.height == image.shape[0] and first.mode == "RGB" and first.format == "PNG"
    assert abs((first.expires_at - first.created_at) - timedelta(hours=24)) < timedelta(seconds=5)


@pytest.mark.django_db
def test_an_upload_and_a_sample_at_once_is_refused(tiny_segmenter):  # noqa: F811
    with pytest.raises(InvalidInput) as err:
        segment_request_create(data=b"x", sample="scene-1")
    assert "image" in err.value.errors
    with pytest.raises(InvalidInput) as err:
        segment_request_create()
    assert "image" in err.value.errors
    assert not SegmentRequest.objects.exists()


def request_make(*, age_hours: float) -> SegmentRequest:
    created = timezone.now() - timedelta(hours=age_hours)
    req = SegmentRequest.objects.create(dataset="fashionopolis", expires_at=created + timedelta(hours=24))
    SegmentRequest.objects.filter(id=req.id).update(created_at=created, input=f"{req.folder}/input.png")
    folder = Path(settings.MEDIA_ROOT) / req.folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "input.png").write_bytes(b"x")
    return req


@pytest.mark.django_db
def test_purge_deletes_rows_and_files_past_retention(settings):
    old, fresh = request_make(age_hours=25), request_make(age_hours=1)
    assert segment_requests_purge(now=timezone.now() + timedelta(minutes=1)) == 1
    assert list(SegmentRequest.objects.values_list("id", flat=True)) == [fresh.id]
    assert not (Path(settings.MEDIA_ROOT) / old.folder).exists()
    assert (Path(settings.MEDIA_ROOT) / fresh.folder / "input.png").exists()
    settings.AEWEB_SEGMENT_RETENTION_HOURS = 0.5
    assert segment_requests_purge() == 1 and not SegmentRequest.objects.exists()


def test_the_legend_takes_the_versions_classes_else_the_data_sets():
    from apps.core.models import ModelVersion

    version = ModelVersion(config={"classes": ["a", "b"], "colours": ["#000000", "#ffffff"]})
    assert selectors.version_classes(version, "isbi-em") == [
        {"index": 0, "name": "a", "colour": "#000000", "area": None},
        {"index": 1, "name": "b", "colour": "#ffffff", "area": None},
    ]
    em = selectors.version_classes(ModelVersion(config={}), "isbi-em")
    assert [c["name"] for c in em] == ["cell", "membrane"] and len({c["colour"] for c in em}) == 2
    assert len(selectors.version_classes(None, "fashionopolis")) == 11


def test_model_figures_put_the_model_beside_its_baselines():
    from apps.core.models import ModelVersion

    metrics = {
        "pixel_accuracy": 0.95, "miou": 0.7, "iou": {"cell": 0.9, "membrane": 0.5}, "training_seconds": 12.5,
        "baselines": {"constant": {"pixel_accuracy": 0.8, "miou": 0.4, "iou": {"cell": 0.8, "membrane": None}},
                      "otsu": {"pixel_accuracy": 0.7, "miou": 0.5, "iou": {"cell": 0.65, "membrane": 0.35}}},
    }  # fmt: skip
    figures = selectors.model_figures(ModelVersion(name="unet", metrics=metrics))
    assert [c["title"] for c in figures["columns"]] == ["U-Net", "Constant", "Otsu"]
    assert [r["label"] for r in figures["rows"]] == ["cell", "membrane", "mIoU", "pixel accuracy"]
    assert figures["rows"][1]["values"] == [0.5, None, 0.35]
    assert figures["rows"][3]["values"] == [0.95, 0.8, 0.7] and figures["seconds"] == 12.5
    # Baselines kept beside the metrics (the version's own field) are found too; no figures, no table.
    beside = ModelVersion(name="segnet", metrics={"iou": {"cell": 0.9}, "miou": 0.9}, baselines=metrics["baselines"])
    assert [c["name"] for c in selectors.model_figures(beside)["columns"]] == ["segnet", "constant", "otsu"]
    assert selectors.model_figures(ModelVersion(name="unet", metrics={})) is None
    assert selectors.model_figures(None) is None


@pytest.mark.django_db
def test_home_card_says_how_to_train_then_what_is_active(db):
    from tests.integration.segment.conftest import tiny_segmenter_register

    card = selectors.home_card()
    assert card["url"] == "/segment/" and "train segmenter" in card["lines"][0]
    tiny_segmenter_register("fashionopolis", miou=0.61234)
    assert selectors.home_card_lines()[0] == "fashionopolis: U-Net v1, test mIoU 0.612"
