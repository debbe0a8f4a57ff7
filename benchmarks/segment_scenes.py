"""Segmentation of Fashionopolis scenes (Fashion-MNIST items on textures): U-Net / SegNet against baselines.

    python -m benchmarks.segment_scenes [--models unet] [--seconds 600] [--epochs N] [--threads 2]
           [--device auto] [--baselines constant,random_forest] [--set scenes=3000 ...] [--ship] [--fresh]

Protocol: `scenes` (3,000) 128×128 training scenes generated from Fashion-MNIST training items (seed 1),
`test_scenes` (300) test scenes from Fashion-MNIST test items (seed 2) — the same for every run;
background + 10 item classes; pixel accuracy, IoU per class and mIoU pooled over the test scenes. The
random forest samples 100,000 pixels of the first 500 training scenes (apps.segment.ml.experiment).
Otsu has no multi-class answer and is not run here.

--ship writes the (first) model trained in this run to apps/segment/weights/ (segmenter.pt, segmenter.json,
MODEL_CARD.md with the command, config, figures beside the baselines and the sha256), which
`seed_demo` registers through apps.segment.shipped.segmenter_weights_register.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

from benchmarks.gallery_common import table_make
from benchmarks.segment_em import args_parse, benchmark_run, rows_make

NAME = "segment_scenes"
WEIGHTS = Path(__file__).resolve().parent.parent / "apps" / "segment" / "weights"
SHORT = {"background": "bg", "T-shirt/top": "T-shirt", "Ankle boot": "Boot"}


def scenes_data_load(args, data_dir: str) -> dict:
    from apps.segment.ml.config import SegmenterConfig
    from apps.segment.ml.experiment import segment_data_load

    settings = dict(item.split("=", 1) for item in args.set)
    keep = {k: v for k, v in settings.items() if k in ("scenes", "test_scenes")}
    return segment_data_load(SegmenterConfig.from_dict({"dataset": "fashionopolis", **keep}), data_dir)


def markdown_make(results: dict[str, Any]) -> str:
    from apps.segment.ml.config import CLASSES

    classes = CLASSES["fashionopolis"]
    entries = results["entries"]
    headers = ["method", "pixel acc.", *[SHORT.get(c, c) for c in classes], "mIoU", "train s", "ms / scene",
               "device", "load"]  # fmt: skip
    lines = [
        "## Segmentation: Fashionopolis scenes (background + 10 Fashion-MNIST classes)",
        "",
        "`python -m benchmarks.segment_scenes` — 128×128 scenes: Fashion-MNIST items (scaled 1-2.5×, tinted,",
        "mirrored, overlapping) on scikit-image textures; training scenes from training items (seed 1), the",
        "test scenes from test items (seed 2). IoU per class pooled over the test scenes; mIoU over the 11",
        "classes. The random forest samples 100,000 pixels from the first 500 training scenes.",
        "",
        table_make(headers, rows_make(entries, classes, classes)),
    ]
    for key, record in sorted(entries.items()):
        if record["kind"] == "model":
            config = record["config"]
            lines += ["", f"{key}: {config['scenes']:,} training scenes, {record.get('test_images', '?')} test "
                      f"scenes, {record['parameters']:,} parameters."]  # fmt: skip
    lines += ["", "`load`: the 1-minute load average when the entry finished (2 cores shared with other sessions)."]
    return "\n".join(lines)


def weights_ship(args, key: str, record: dict, model) -> None:
    """Write the model to apps/segment/weights with its metadata and model card (once per run: the first)."""
    if not args.ship or getattr(args, "shipped", False):
        return
    from apps.core.ml.files import file_sha256
    from apps.segment.ml.checkpoint import segmenter_save

    args.shipped = True
    WEIGHTS.mkdir(parents=True, exist_ok=True)
    checkpoint = WEIGHTS / "segmenter.pt"
    segmenter_save(checkpoint, model)
    sha256 = file_sha256(checkpoint)
    config = model.config
    metrics = {k: v for k, v in record.items() if k not in ("config", "kind", "model")}
    command = shlex.join(["python", "-m", "benchmarks.segment_scenes", *sys.argv[1:]])
    meta = {
        "dataset": config.dataset,
        "name": config.model,
        "sha256": sha256,
        "config": {
            **config.to_dict(),
            "classes": list(config.classes),
            "colours": list(config.colours),
            "in_channels": config.in_channels,
        },  # fmt: skip
        "metrics": metrics,
        "history": model.history,
        "command": command,
    }
    args.ship_meta = meta
    (WEIGHTS / "segmenter.json").write_text(json.dumps(meta, indent=2, default=float) + "\n")


def job_command(config: dict) -> str:
    """`manage.py train segmenter` with the settings that differ from the defaults."""
    from apps.segment.ml.config import SegmenterConfig

    defaults = SegmenterConfig(dataset=config["dataset"]).to_dict()
    sets = "".join(
        f" --set {key}={'none' if value is None else value}"
        for key, value in sorted(config.items())
        if key in defaults and key not in ("model", "dataset") and value != defaults[key]
    )
    return f"manage.py train segmenter --dataset {config['dataset']} --model {config['model']}{sets}"


def card_write(results: dict) -> None:
    """MODEL_CARD.md beside the shipped weights, with the baselines measured in the same run."""
    meta = json.loads((WEIGHTS / "segmenter.json").read_text())
    metrics = meta["metrics"]
    entries = results["entries"]
    baselines = {k: v for k, v in entries.items() if v["kind"] == "baseline"}
    meta["metrics"]["baselines"] = {
        k: {m: v[m] for m in ("pixel_accuracy", "iou", "miou", "seconds")} for k, v in baselines.items()
    }
    (WEIGHTS / "segmenter.json").write_text(json.dumps(meta, indent=2, default=float) + "\n")
    classes = meta["config"]["classes"]
    rows = [["this model", f"{metrics['pixel_accuracy']:.3f}", f"{metrics['miou']:.3f}",
             *[f"{metrics['iou'][c]:.3f}" for c in classes]]]  # fmt: skip
    for name, record in baselines.items():
        ious = [f"{record['iou'][c]:.3f}" if record["iou"][c] is not None else "–" for c in classes]
        rows.append([name, f"{record['pixel_accuracy']:.3f}", f"{record['miou']:.3f}", *ious])
    config = {k: v for k, v in meta["config"].items() if k not in ("classes", "colours")}
    text = (
        f"""# Segmenter model card (Fashionopolis scenes)

- **Model**: {meta["name"]} — a small encoder-decoder (apps/segment/ml/models.py), {metrics["parameters"]:,}
  parameters, {config["in_channels"]} input channels, {len(classes)} classes (background + the 10
  Fashion-MNIST classes).
- **Training data**: {config["scenes"]:,} generated 128×128 Fashionopolis scenes (apps/segment/ml/scenes.py,
  seed 1) made from Fashion-MNIST *training* items on scikit-image's bundled textures; nothing else.
- **Made by**: `{meta["command"]}` on {metrics["device"]} in {metrics["training_seconds"]:.0f} s
  ({metrics["steps"]} batches of {config["batch"]}; load average {metrics["load"]:.1f} on 2 shared cores).
- **The same training as a job**: `{job_command(config)}`
- **Config**: `{json.dumps(config, sort_keys=True)}`
- **sha256** of segmenter.pt: `{meta["sha256"]}`
- **Not shipped**: anything trained on the ISBI EM slices (that data states no licence).

## Test: {metrics.get("test_images", "?")} scenes from Fashion-MNIST *test* items (seed 2)

| method | pixel acc. | mIoU | {" | ".join(classes)} |
| --- | --- | --- | {" | ".join("---" for _ in classes)} |
"""
        + "\n".join("| " + " | ".join(row) + " |" for row in rows)
        + "\n"
    )
    (WEIGHTS / "MODEL_CARD.md").write_text(text)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ship = "--ship" in argv
    argv = [a for a in argv if a != "--ship"]
    args = args_parse(argv, dataset="fashionopolis", seconds=600.0, models="unet", baselines="constant,random_forest",
                      doc=__doc__)  # fmt: skip
    args.ship = ship
    results = benchmark_run(args, name=NAME, data_load=scenes_data_load, markdown=markdown_make,
                            after_model=weights_ship)  # fmt: skip
    if ship and getattr(args, "shipped", False):
        card_write(results)
    print(json.dumps({k: {m: v.get(m) for m in ("pixel_accuracy", "miou")} for k, v in results["entries"].items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
