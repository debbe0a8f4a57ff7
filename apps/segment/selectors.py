"""Reads for the segment app: the models in use, one request, a model's figures beside its baselines, the home card."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.core.errors import NotFound
from apps.core.models import ModelVersion
from apps.core.selectors import job_active, model_version_active
from apps.core.wording import count_noun
from apps.segment.models import SegmentRequest
from apps.segment.slots import (
    BASELINE_NOTES,
    BASELINE_TITLES,
    CLASS_COLOURS,
    CLASSES,
    MODEL_TITLES,
    SEGMENT_BASELINES,
    SEGMENT_DATASETS,
    SEGMENTER_KIND,
    SEGMENTER_SLOT,
    TRAIN_JOB_KIND,
    train_command,
)


def segmenter_active(dataset: str) -> ModelVersion | None:
    """The segmenter in use for `dataset` ("fashionopolis" or "isbi-em"), or None."""
    if dataset not in SEGMENT_DATASETS:
        return None
    return model_version_active(kind=SEGMENTER_KIND, dataset=dataset, slot=SEGMENTER_SLOT)


def segment_request_get(*, request_id) -> SegmentRequest:
    found = SegmentRequest.objects.select_related("job", "model_version").filter(id=request_id).first()
    if found is None or found.expires_at <= timezone.now():
        raise NotFound("No such segmentation request (results are deleted after the retention time).")
    return found


def version_classes(version: ModelVersion | None, dataset: str) -> list[dict]:
    """[{"index", "name", "colour", "area": None}]: the classes the version was trained on (its config says),
    the data set's defaults for a version that does not."""
    config = (version.config or {}) if version is not None else {}
    names = config.get("classes") or CLASSES[dataset]
    colours = config.get("colours") or CLASS_COLOURS[dataset]
    return [
        {"index": i, "name": name, "colour": colour, "area": None}
        for i, (name, colour) in enumerate(zip(names, colours, strict=True))
    ]


def model_title(name: str) -> str:
    return MODEL_TITLES.get(name, name)


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def model_figures(version: ModelVersion | None) -> dict | None:
    """The version's test figures beside its baselines', from the same training job, as a table.

    {"columns": [{"name", "title"}], "rows": [{"label", "values": [float | None per column], "summary"}]}:
    one row per class (IoU), then mIoU and pixel accuracy. None when the version has no figures.
    """
    if version is None:
        return None
    metrics = version.metrics or {}
    iou = metrics.get("iou")
    if not isinstance(iou, dict) or not iou:
        return None
    baselines = metrics.get("baselines") or getattr(version, "baselines", None) or {}
    columns = [{"name": version.name, "title": model_title(version.name), "ours": True}]
    sources = [metrics]
    # In the classes' and the baselines' own order: PostgreSQL's jsonb keeps a dict's keys sorted by length.
    names = list((version.config or {}).get("classes") or CLASSES.get(version.dataset) or ())
    classes = [c for c in names if c in iou] + [c for c in iou if c not in names]
    known = [b for b in SEGMENT_BASELINES if b in baselines] + [b for b in baselines if b not in SEGMENT_BASELINES]
    for name in known:
        figures = baselines[name]
        if isinstance(figures, dict):
            columns.append(
                {"name": name, "title": BASELINE_TITLES.get(name, name), "note": BASELINE_NOTES.get(name, ""),
                 "ours": False}
            )  # fmt: skip
            sources.append(figures)
    rows = [
        {"label": cls, "values": [_number((s.get("iou") or {}).get(cls)) for s in sources], "summary": False}
        for cls in classes
    ]
    rows.append({"label": "mIoU", "values": [_number(s.get("miou")) for s in sources], "summary": True})
    rows.append(
        {"label": "pixel accuracy", "values": [_number(s.get("pixel_accuracy")) for s in sources], "summary": True}
    )
    return {"columns": columns, "rows": rows, "seconds": _number(metrics.get("training_seconds"))}


def home_card() -> dict:
    from django.urls import reverse

    return {
        "title": "Segmentation",
        "url": reverse("segment:index"),
        "description": "A U-Net paints every pixel with its class: Fashion-MNIST items on textures (generated "
        "scenes), EM slices' membranes, or your upload, with the mask overlaid, a legend and per-class IoU.",
        "lines": home_card_lines(),
    }


def home_card_lines() -> list[str]:
    lines = []
    for dataset in SEGMENT_DATASETS:
        version = segmenter_active(dataset)
        if version is None:
            continue
        line = f"{dataset}: {model_title(version.name)} v{version.version}"
        miou = _number((version.metrics or {}).get("miou"))
        if miou is not None:
            line += f", test mIoU {miou:.3f}"
        lines.append(line)
    if not lines:
        lines.append(f"No segmentation model yet: run `{train_command('fashionopolis')}` or `seed_demo`.")
    training = job_active(kind=TRAIN_JOB_KIND)
    if training is not None:
        lines.append(f"Training ({training.params.get('dataset')}): {training.status}, {training.progress:.0%}")
    recent = SegmentRequest.objects.filter(created_at__gte=timezone.now() - timedelta(days=1)).count()
    lines.append(f"{count_noun(recent, 'image')} segmented in the last 24 hours")
    return lines
