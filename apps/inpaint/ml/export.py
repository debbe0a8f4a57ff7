"""Train and export shipped inpainting weights into apps/inpaint/weights/ (what seed_demo registers).

    python -m apps.inpaint.ml.export --dataset fashion-mnist --seconds 300 [--set width=16] [--threads 1]
    python -m apps.inpaint.ml.export --dataset train400 --seconds 1200
    python -m apps.inpaint.ml.export --dataset train400 --checkpoint PATH   # export an existing checkpoint

Training goes through `run.inpainter_run`, the same code `manage.py train inpainter` runs (so the
figures in the card are the job's protocol). Writes <model>-<dataset>.pt (float16 weights;
items: with the PCA-64 basis inside), <model>-<dataset>.json (data set, name, config, metrics,
baselines, sha256, CPU time) and rewrites MODEL_CARD.md from every .json in the folder.
Data sets are read from $AEWEB_DATA_DIR (or --data-dir).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from .config import INPAINT_DATASETS, ITEM_DATASETS, InpainterConfig, model_for_dataset

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def weights_export(result, folder: Path, *, command: str, cpu_seconds: float, threads: int) -> Path:
    """Write the checkpoint (fp16) and its json beside it; returns the checkpoint's path."""
    from apps.core.ml.files import atomic_write, file_sha256

    from .checkpoint import inpainter_load, inpainter_save

    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{result.config.model}-{result.dataset}"
    checkpoint = folder / f"{stem}.pt"
    inpainter_save(checkpoint, result.model, metrics=result.metrics, history=result.history, pca=result.pca, half=True)
    inpainter_load(checkpoint)  # fails here, not on a visitor's request, if it does not load
    meta = {
        "name": result.config.model,
        "dataset": result.dataset,
        "file": checkpoint.name,
        "sha256": file_sha256(checkpoint),
        "bytes": checkpoint.stat().st_size,
        "config": result.config.to_dict(),
        "metrics": result.metrics,
        "baselines": result.baselines,
        "history": result.history,
        "train_source": result.source,
        "command": command,
        "cpu_seconds": round(cpu_seconds, 1),
        "threads": threads,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "precision": "fp16",
    }
    atomic_write(folder / f"{stem}.json", (json.dumps(meta, indent=2, default=float) + "\n").encode())
    card_write(folder)
    return checkpoint


def _row(label: str, rows: dict, keys: list[str]) -> str:
    return (
        f"| {label} | "
        + " | ".join(
            f"{rows.get(k, float('nan')):.2f}" if "psnr" in k else f"{rows.get(k, float('nan')):.3f}" for k in keys
        )
        + " |\n"
    )


def card_write(folder: Path = WEIGHTS_DIR) -> Path:
    """MODEL_CARD.md from every <model>-<dataset>.json in the folder."""
    from apps.core.ml.files import atomic_write

    parts = [
        "# Inpainting model cards\n\nShipped weights registered by `apps.inpaint.shipped.inpainter_weights_register` "
        "(seed_demo). Each file is float16; the figures are those the training run measured, model and baselines "
        "on the same images and masks (`apps/inpaint/ml/evaluate.py`).\n"
    ]
    for meta_path in sorted(folder.glob("*.json")):
        meta = json.loads(meta_path.read_text())
        m, b = meta["metrics"], meta["baselines"]
        if meta["dataset"] in ITEM_DATASETS:
            keys = [
                "centre_psnr",
                "centre_ssim7",
                "centre_ssim",
                "centre_psnr_masked",
                "pixels50_psnr",
                "pixels50_ssim7",
                "pixels50_ssim",
                "pixels50_psnr_masked",
            ]
            head = (
                "| method | centre PSNR | centre SSIM (7×7) | centre SSIM (Gauss.) | centre PSNR hole | "
                "50 % px PSNR | 50 % px SSIM (7×7) | 50 % px SSIM (Gauss.) | 50 % px PSNR hole |\n"
                + "| --- " * 9
                + "|\n"
            )
            title = f"first {m.get('test_images')} {meta['dataset']} test images, whole-image PSNR (dB) / SSIM"
        else:
            keys = [f"{s}_cov{c}_{k}" for s in ("set12", "colour") for c in (10, 25, 40) for k in ("psnr",)]
            keys += [f"{s}_cov{c}_psnr_masked" for s in ("set12", "colour") for c in (10, 25, 40)]
            head = (
                "| method | "
                + " | ".join(f"{s} {c} %" for s in ("Set12", "colour") for c in (10, 25, 40))
                + " | "
                + " | ".join(f"{s} {c} % hole" for s in ("Set12", "colour") for c in (10, 25, 40))
                + " |\n"
                + "| --- " * 13
                + "|\n"
            )
            title = (
                "Set12 (12 grey) and the colour samples (astronaut, coffee, chelsea), free-form masks "
                "covering 10/25/40 %: whole-image PSNR (dB), then PSNR over the hole"
            )
        table = head + _row(f"**{meta['name']}**", m, keys) + "".join(_row(n, rows, keys) for n, rows in b.items())
        parts.append(f"""
## {meta["file"]} — {meta["name"]} on {meta["dataset"]}

- **Model**: {_describe(meta["name"])}, {m.get("parameters", "?"):,} parameters (apps/inpaint/ml/models.py).
- **Training data**: {meta["train_source"]}; {m.get("steps")} steps in {m.get("train_seconds")} s of
  wall-clock time ({m.get("epochs_run")} reported epochs) on {meta["threads"]} torch thread(s), {meta["machine"]},
  a machine shared with other work: the process's CPU time for the whole run (training + evaluation)
  was {meta["cpu_seconds"]} s.
- **Made by**: `{meta["command"]}` (from the repository root, AEWEB_DATA_DIR pointing at the data); the same
  run as a job: `manage.py train inpainter --dataset {meta["dataset"]}{_sets(meta)} --sync`.
- **Config**: `{json.dumps(meta["config"], sort_keys=True)}`
- **sha256**: `{meta["sha256"]}` ({meta["bytes"]:,} bytes, {meta["precision"]})

{title}:

{table}""")
    path = folder / "MODEL_CARD.md"
    atomic_write(path, "".join(parts).encode())
    return path


def _sets(meta: dict) -> str:
    """The --set options of the equivalent `train inpainter` job: the settings the export changed."""
    default = InpainterConfig(model=meta["name"]).to_dict()
    changed = {k: v for k, v in meta["config"].items() if v != default.get(k) and k != "model"}
    return "".join(f" --set {k}={v}" for k, v in sorted(changed.items()))


def _describe(name: str) -> str:
    if name == "items":
        return (
            "masked-input convolutional encoder–decoder for 28×28 items (mask as an input channel, skip "
            "connections, channel-wise fully connected bottleneck), trained with centre squares, boxes, "
            "random pixels and strokes; carries the PCA-64 basis of the pca64 baseline"
        )
    return (
        "gated-convolution U-Net (Yu et al. 2019; mask as an input channel, 2×2 pixel-unshuffle input, 1/2–1/8 "
        "resolution, dilated gated convs 2/4/8) predicting a residual over OpenCV's Navier–Stokes fill, trained "
        "on random Train400 patches with free-form strokes and boxes"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=INPAINT_DATASETS, required=True)
    parser.add_argument("--seconds", type=float, help="training time budget")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="an InpainterConfig setting")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data-dir", default=os.environ.get("AEWEB_DATA_DIR"))
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--checkpoint", type=Path, help="evaluate and export this checkpoint instead of training")
    args = parser.parse_args(argv)

    import torch

    from .run import inpainter_run

    torch.set_num_threads(args.threads)
    settings = dict(item.split("=", 1) for item in args.set)
    settings = {key: _value(value) for key, value in settings.items()}
    settings["model"] = model_for_dataset(args.dataset)
    if args.seconds:
        settings["seconds"] = args.seconds
    config = InpainterConfig.from_dict(settings)
    model = None
    if args.checkpoint:
        from .checkpoint import inpainter_load

        model = inpainter_load(args.checkpoint, args.device)
        config = model.config
    raw = args.out / f"{config.model}-{args.dataset}.trained.pt.tmp"

    def trained(net) -> None:  # kept until the export succeeds: a failed evaluation can be redone with --checkpoint
        from .checkpoint import inpainter_save

        inpainter_save(raw, net)
        print(f"trained model saved to {raw}", flush=True)

    started, cpu_started = time.perf_counter(), time.process_time()

    def status(fraction: float, message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {fraction:5.0%} {message}", flush=True)

    result = inpainter_run(
        args.dataset,
        config,
        device=args.device,
        data_dir=args.data_dir,
        status=status,
        on_epoch=lambda e: print(json.dumps(e), flush=True),
        trained=trained,
        model=model,
    )
    command = "python -m apps.inpaint.ml.export --dataset {} --threads {}{}{}".format(
        args.dataset,
        args.threads,
        f" --seconds {args.seconds:g}" if args.seconds else "",
        "".join(f" --set {item}" for item in args.set),
    )
    path = weights_export(
        result, args.out, command=command, cpu_seconds=time.process_time() - cpu_started, threads=args.threads
    )
    raw.unlink(missing_ok=True)
    print(
        json.dumps({"checkpoint": str(path), "metrics": result.metrics, "baselines": result.baselines}, default=float)
    )


if __name__ == "__main__":
    main()
