"""Segmentation of the ISBI 2012 EM slices: U-Net / SegNet against the usual baselines, in the same run.

    python -m benchmarks.segment_em [--models unet,segnet] [--seconds 600] [--epochs N] [--threads 2]
           [--device auto] [--baselines constant,otsu,random_forest] [--set key=value ...] [--fresh]

Protocol: slices 0-23 train, 24-29 test (512×512, membrane = 1); pixel accuracy, IoU per class and mIoU
pooled over the 6 test slices, each predicted whole by overlapping tiles. Each model trains within
--seconds of wall clock (cosine LR stretched over it), or for a fixed --epochs (× `steps` batches: the
same work on any device, for comparing CPU and GPU). Baselines (apps.segment.ml.baselines) are measured
in the same run. Targets (issue 12): >= 0.92 pixel accuracy and >= 0.65 membrane IoU, trained in <= 10
minutes on 2 CPU cores. The data has no licence: nothing trained here is saved into the repository.

Results accumulate in benchmarks/results/segment_em.json (one entry per model, budget and device, one
per baseline); the docs/benchmarks.md section is rewritten from all of them. --fresh starts anew.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

from benchmarks.gallery_common import data_dir_resolve, device_describe, device_pick, table_make, threads_pin
from benchmarks.report import RESULTS, machine_describe, section_write

NAME = "segment_em"
TARGET_ACCURACY, TARGET_MEMBRANE_IOU, TARGET_SECONDS = 0.92, 0.65, 600
ISSUE_FIGURES = (
    "constant \"cell\" accuracy 0.804; Otsu 0.696 / membrane IoU 0.355; multiscale features + random forest "
    "(100 trees) 0.900 / 0.575, mIoU 0.729, 111 s"
)  # fmt: skip
LABELS = {"unet": "U-Net", "segnet": "SegNet", "constant": "constant (most frequent)", "otsu": "Otsu threshold",
          "random_forest": "multiscale features + random forest"}  # fmt: skip


def args_parse(argv: list[str] | None, *, dataset: str, seconds: float, models: str, baselines: str, doc: str):
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=models, help="any of unet,segnet (empty: none)")
    parser.add_argument("--seconds", type=float, default=seconds, help="training wall-clock budget per model")
    parser.add_argument("--epochs", type=int, default=None, help="train a fixed number of epochs instead")
    parser.add_argument("--baselines", default=baselines, help="baselines to measure in the same run (empty: none)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--threads", type=int, default=2, help="torch and BLAS threads")
    parser.add_argument("--set", action="append", default=[], help="SegmenterConfig setting, e.g. base=32")
    parser.add_argument("--fresh", action="store_true", help="forget the results of earlier runs")
    args = parser.parse_args(argv)
    args.dataset = dataset
    return args


def threads_limit(threads: int) -> None:
    """One setting for torch and the BLAS under NumPy/scikit-learn."""
    from threadpoolctl import threadpool_limits

    threads_pin(threads)
    threadpool_limits(limits=max(1, threads))


def config_make(args, model: str):
    from apps.segment.ml.config import SegmenterConfig

    settings: dict[str, Any] = {"model": model, "dataset": args.dataset, "seconds": args.seconds}
    if args.epochs:
        settings.update(seconds=None, epochs=args.epochs)
    for item in args.set:
        key, _, value = item.partition("=")
        settings[key.strip()] = value.strip()
    return SegmenterConfig.from_dict(settings)


def entry_key(config, device: str) -> str:
    budget = f"{config.seconds:g}s" if config.seconds else f"{config.epochs}ep"
    return f"{config.model} {budget} {'gpu' if device.startswith('cuda') else 'cpu'}"


def model_run(args, model: str, data: dict, device: str) -> tuple[str, dict, Any]:
    from apps.segment.ml.experiment import segmenter_evaluate
    from apps.segment.ml.train import segmenter_fit

    config = config_make(args, model)
    train_x, train_y = data["train"]
    test_x, test_y = data["test"]

    def on_epoch(entry: dict) -> None:
        if entry["epoch"] % 5 == 0:
            print(f"[{model}] epoch {entry['epoch']}: loss {entry['loss']:.4f} ({entry['seconds']:.0f} s)",
                  file=sys.stderr, flush=True)  # fmt: skip

    result = segmenter_fit(train_x, train_y, config, device=device, on_epoch=on_epoch)
    scores = segmenter_evaluate(result.model, test_x, test_y, device=device)
    record = {
        **scores,
        "kind": "model",
        "model": model,
        "training_seconds": result.seconds,
        "steps": result.steps,
        "epochs_run": result.epochs_run,
        "final_loss": result.history[-1]["loss"] if result.history else None,
        "parameters": sum(p.numel() for p in result.model.parameters()),
        "train_images": len(train_x),
        "test_images": len(test_x),
        "config": config.to_dict(),
        "device": device_describe(device),
        "threads": args.threads,
        "load": os.getloadavg()[0],
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    print(f"[{model}] {json.dumps({k: record[k] for k in ('pixel_accuracy', 'miou', 'iou', 'steps')})}",
          file=sys.stderr, flush=True)  # fmt: skip
    result.model.metrics = {k: v for k, v in record.items() if k not in ("config",)}
    return entry_key(config, device), record, result.model


def baselines_run(args, data: dict) -> dict[str, dict]:
    from apps.segment.ml.config import SegmenterConfig
    from apps.segment.ml.experiment import baselines_measure

    names = [name for name in args.baselines.split(",") if name]
    config = SegmenterConfig(dataset=args.dataset)
    found = {}
    for name in names:
        began = time.perf_counter()
        record = baselines_measure(config, data, names=[name], n_jobs=args.threads)[name]
        record.update(kind="baseline", model=name, threads=args.threads, load=os.getloadavg()[0],
                      measured=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))  # fmt: skip
        print(f"[{name}] {record['pixel_accuracy']:.4f} / mIoU {record['miou']:.4f} "
              f"({time.perf_counter() - began:.0f} s)", file=sys.stderr, flush=True)  # fmt: skip
        found[name] = record
    return found


def results_load(name: str, fresh: bool) -> dict[str, Any]:
    path = RESULTS / f"{name}.json"
    if fresh or not path.exists():
        return {"entries": {}}
    return json.loads(path.read_text())


def rows_make(entries: dict[str, dict], classes: tuple[str, ...], shown: tuple[str, ...]) -> list[list[str]]:
    def order(key: str) -> tuple:
        record = entries[key]
        return (record["kind"] != "model", key)

    rows = []
    for key in sorted(entries, key=order):
        record = entries[key]
        label = LABELS.get(record["model"], record["model"])
        if record["kind"] == "model":
            config = record["config"]
            budget = f"{config['seconds']:g} s" if config.get("seconds") else f"{config['epochs']} epochs"
            shape = f"base {config['base']}, depth {config['depth']}" + (
                f", at 1/{config['scale']} resolution" if config.get("scale", 1) > 1 else ""
            )
            label = f"{label} ({shape}; {budget}, {record['steps']} batches of {config['batch']})"
            seconds = record["training_seconds"]
            ms = f"{record['inference_ms_per_image']:.0f}"
        else:
            seconds, ms = record["seconds"], "–"
        ious = [record["iou"].get(c) for c in shown]
        rows.append([
            label,
            f"{record['pixel_accuracy']:.3f}",
            *[f"{v:.3f}" if v is not None else "–" for v in ious],
            f"**{record['miou']:.3f}**",
            f"{seconds:.0f}",
            ms,
            record.get("device", "CPU") if record["kind"] == "model" else f"CPU, {record.get('threads', 1)} thread(s)",
            f"{record.get('load', 0):.1f}",
        ])  # fmt: skip
    return rows


def markdown_make(results: dict[str, Any]) -> str:
    from apps.segment.ml.config import CLASSES

    entries = results["entries"]
    lines = [
        "## Segmentation: ISBI 2012 EM slices (membrane vs cell)",
        "",
        "`python -m benchmarks.segment_em` — slices 0-23 train, 24-29 test (512×512); pixel accuracy, IoU per",
        "class and mIoU pooled over the 6 test slices, each predicted whole by overlapping 256-px tiles.",
        "Models (`apps/segment/ml/models.py`) train on random 128-px crops (flips, rot90, intensity jitter),",
        "cross-entropy + soft Dice, Adam with a cosine learning rate stretched over the time budget.",
        f"Targets (issue 12): pixel accuracy >= {TARGET_ACCURACY}, membrane IoU >= {TARGET_MEMBRANE_IOU}, "
        f"<= {TARGET_SECONDS // 60} min on 2 CPU cores.",
        "",
        table_make(
            ["method", "pixel acc.", "IoU cell", "IoU membrane", "mIoU", "train s", "ms / slice", "device", "load"],
            rows_make(entries, CLASSES["isbi-em"], CLASSES["isbi-em"]),
        ),
    ]
    for key, record in sorted(entries.items()):
        if record["kind"] != "model":
            continue
        accuracy, membrane = record["pixel_accuracy"], record["iou"]["membrane"]
        timed = record["config"].get("seconds") and record["training_seconds"] <= TARGET_SECONDS + 5
        verdict = "met" if accuracy >= TARGET_ACCURACY and membrane >= TARGET_MEMBRANE_IOU else "missed"
        lines += [
            "",
            f"{key}: accuracy {accuracy:.3f} ({accuracy - TARGET_ACCURACY:+.3f} against the target), membrane IoU "
            f"{membrane:.3f} ({membrane - TARGET_MEMBRANE_IOU:+.3f}) — {verdict}"
            + ("" if timed else " (not a timed run: fixed epochs or over budget)")
            + ".",
        ]
    lines += [
        "",
        f"Reference figures from the issue (same split, measured earlier on this machine): {ISSUE_FIGURES}.",
        "`load`: the 1-minute load average when the entry finished (2 cores shared with other sessions: a timed",
        "run under load gets fewer batches than an idle machine would give it).",
    ]
    return "\n".join(lines)


def benchmark_run(args, *, name: str, data_load, markdown, after_model=None) -> dict[str, Any]:
    """Train the models, measure the baselines, merge into the results file, rewrite the section."""
    threads_limit(args.threads)
    data_dir = data_dir_resolve()
    import torch

    torch.set_flush_denormal(True)
    device = device_pick(args.device)
    began = time.perf_counter()
    data = data_load(args, data_dir)
    print(f"data ready in {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    found: dict[str, dict] = {}
    for model in [m for m in args.models.split(",") if m]:
        key, record, trained = model_run(args, model, data, device)
        found[key] = record
        if after_model is not None:
            after_model(args, key, record, trained)
    found.update(baselines_run(args, data))
    # read the file only now: another run of this benchmark may have written it meanwhile
    results = results_load(name, args.fresh)
    results["entries"].update(found)
    results["machine"] = machine_describe()
    section_write(name, markdown(results), results)
    return results


def em_data_load(args, data_dir: str) -> dict:
    from apps.segment.ml.config import SegmenterConfig
    from apps.segment.ml.experiment import segment_data_load

    return segment_data_load(SegmenterConfig(dataset="isbi-em"), data_dir)


def main(argv: list[str] | None = None) -> int:
    args = args_parse(argv, dataset="isbi-em", seconds=600.0, models="unet", baselines="constant,otsu,random_forest",
                      doc=__doc__)  # fmt: skip
    results = benchmark_run(args, name=NAME, data_load=em_data_load, markdown=markdown_make)
    print(json.dumps({k: {m: v.get(m) for m in ("pixel_accuracy", "miou")} for k, v in results["entries"].items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
