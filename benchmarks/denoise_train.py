"""Train the denoiser's shipped weights on Train400 and check them on Set12.

    python -m benchmarks.denoise_train [--train-seconds 1140] [--preset cpu|full|gpu] [--device auto]
                                        [--out var/denoise/denoiser.pt] [--set key=value ...]

`--preset full` is the real run for a GPU machine (width 64, 64-px patches, about 100 passes
over Train400's 400×128 patches); `--preset gpu` is the same model at a GPU's pace (batch 256,
lr scaled by the square-root rule, bf16 autocast and channels_last; see benchmarks.denoise_pace);
`--preset cpu` is a small model for a shared 2-core CPU, bounded by --train-seconds. `--init`
continues from earlier weights (the shipped ones, or a GPU run's), so short runs add up.

The checkpoint goes under var/ (ignored by git) with its Set12 figures, the command that made it
and the runs it continued (apps.denoise.ml.shipped); `manage.py denoise_export_weights
--checkpoint PATH` ships it. The Set12 check here is the model alone; benchmarks.denoise_set12
compares it with BM3D and the other baselines.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.denoise_protocol import (
    ROOT,
    SIGMAS,
    device_pick,
    fmt,
    method_run,
    noisy_make,
    scores,
    set_load,
    threads_pin,
)

# fmt: off
PRESETS = {
    "cpu": {"width": 32, "levels": 3, "convs": 2, "patch_size": 48, "batch_size": 32, "epochs": 1000,
            "patches_per_epoch": 4096, "lr": 1e-3},
    "full": {"width": 64, "levels": 3, "convs": 2, "patch_size": 64, "batch_size": 64, "epochs": 100,
             "patches_per_epoch": 51_200, "lr": 1e-3},
    # The full model at a GPU's pace: 4× the batch (800 steps of 256 per epoch), lr scaled by
    # sqrt(256 / 64) = 2 (Adam's square-root rule) to 2e-3, bf16 autocast and channels_last (auto on CUDA).
    "gpu": {"width": 64, "levels": 3, "convs": 2, "patch_size": 64, "batch_size": 256, "epochs": 100,
            "patches_per_epoch": 204_800, "lr": 1e-3, "lr_scaling": "sqrt", "lr_batch": 64,
            "amp": "auto", "channels_last": "auto", "log_every": 50},
}
# fmt: on


def overrides_parse(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set expects key=value, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def set12_check(model, test, device: str) -> tuple[dict[str, float], list[str]]:
    """Set12 PSNR/SSIM of `model` alone and with the self-ensemble ("best quality"), as checkpoint
    metrics (set12_psnr_sigma15, set12_ensemble_psnr_sigma15, ...) and markdown table rows."""
    from apps.denoise.ml.inference import image_denoise

    metrics, rows = {}, []
    for sigma in SIGMAS:
        cells = []
        for prefix, ensemble in (("set12", False), ("set12_ensemble", True)):
            ps, ss = [], []
            for i, clean in enumerate(test.images):
                noisy = noisy_make(clean, sigma, i)
                den, _, _ = method_run(
                    lambda x, s=sigma, e=ensemble: image_denoise(model, x / 255.0, s, device=device, self_ensemble=e)
                    * 255.0,
                    noisy,
                )
                p, q = scores(clean, den)
                ps.append(p)
                ss.append(q)
            metrics[f"{prefix}_psnr_sigma{sigma}"], metrics[f"{prefix}_ssim_sigma{sigma}"] = np.mean(ps), np.mean(ss)
            cells += [fmt(np.mean(ps)), fmt(np.mean(ss), 4)]
        rows.append(f"| {sigma} | " + " | ".join(cells) + " |")
    return {k: float(v) for k, v in metrics.items()}, rows


def checkpoint_recheck(path: Path, device: str) -> None:
    """Measure a checkpoint written before the self-ensemble was checked, and write the figures into it."""
    from apps.denoise.ml.checkpoint import checkpoint_read, denoiser_load, denoiser_save
    from apps.denoise.ml.config import DenoiserConfig

    payload = checkpoint_read(path)
    set12, rows = set12_check(denoiser_load(path, device), set_load("Set12", mode="L"), device)
    own = ("format", "version", "config", "state", "metrics", "history")
    extra = {k: v for k, v in payload.items() if k not in own}
    metrics = {**payload.get("metrics", {}), **set12}
    config = DenoiserConfig.from_dict(payload["config"])
    denoiser_save(path, payload["state"], config, metrics=metrics, history=payload.get("history"), extra=extra)
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--train-seconds", type=float, default=None, help="wall-clock training budget")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "var" / "denoise" / "denoiser.pt"))
    parser.add_argument("--set", action="append", default=[], help="config override key=value")
    parser.add_argument(
        "--init", default=None, help="start from this checkpoint's weights (e.g. apps/denoise/weights/denoiser.pt)"
    )
    parser.add_argument(
        "--recheck", type=Path, default=None, help="only measure this checkpoint on Set12 (plain and self-ensemble)"
    )
    args = parser.parse_args()

    threads_pin(args.threads)
    if args.recheck:
        return checkpoint_recheck(args.recheck, device_pick(args.device))
    from apps.denoise.ml.checkpoint import checkpoint_read, denoiser_save
    from apps.denoise.ml.config import DenoiserConfig
    from apps.denoise.ml.shipped import lineage_of
    from apps.denoise.ml.train import denoiser_train

    settings = {**PRESETS[args.preset], **overrides_parse(args.set)}
    if args.train_seconds:
        settings["max_seconds"] = args.train_seconds
    initial_state, lineage = None, []
    if args.init:
        lineage = lineage_of(args.init)
        # The architecture is the checkpoint's; the preset and --set give only the training settings.
        payload = checkpoint_read(args.init)
        architecture = {k: payload["config"][k] for k in ("channels", "width", "levels", "convs")}
        settings.update(architecture)
        initial_state = payload["state"]
    config = DenoiserConfig.from_dict(settings)
    device = device_pick(args.device)
    train = set_load("Train400", mode="L")
    test = set_load("Set12", mode="L")
    print(f"training on {train.source} ({len(train.images)} images), device {device}, config {config.to_dict()}")

    def on_epoch(entry: dict) -> None:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in entry.items()}), flush=True)

    result = denoiser_train(train.images, config, device=device, on_epoch=on_epoch, initial_state=initial_state)
    model = result.model(device)
    out = Path(args.out)

    data = {"config": config.to_dict(), "train": result.metrics, "checkpoint": str(out)}
    set12, rows = set12_check(model, test, device)
    data["set12"] = {s: {"psnr": set12[f"set12_psnr_sigma{s}"], "ssim": set12[f"set12_ssim_sigma{s}"],
                         "ensemble_psnr": set12[f"set12_ensemble_psnr_sigma{s}"]} for s in SIGMAS}  # fmt: skip
    provenance = {
        "dataset": "train400",
        "made_by": shlex.join(["python", "-m", "benchmarks.denoise_train", *sys.argv[1:]]),
        "device": str(device),
        "lineage": lineage,
    }
    denoiser_save(out, model, config, metrics={**result.metrics, **set12}, history=result.history, extra=provenance)

    m = result.metrics
    markdown = "\n".join(
        [
            "## Denoiser training (`python -m benchmarks.denoise_train`)",
            "",
            f"Preset `{args.preset}` on {device}: width {config.width}, {config.levels} levels, {m['parameters']:,} "
            f"parameters; {m['steps']:,} steps of {config.batch_size} patches of {config.patch_size} px "
            f"({m['patches_seen']:,} patches) in {m['train_seconds']:.0f} s, random sigma in "
            f"[{config.sigma_min:g}, {config.sigma_max:g}]. Training set: {train.source} "
            f"({m['train_images']} images, {m['val_images']} held out for validation)."
            + (f" Started from the weights of `{args.init}`." if args.init else ""),
            "",
            "| sigma | Set12 PSNR (dB) | Set12 SSIM | with the self-ensemble: PSNR (dB) | SSIM |",
            "| ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            f"Checkpoint: `{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}` (not in git). "
            "Comparison with BM3D and other baselines: the Set12 section.",
            *(f"- {note}" for note in result.notes),
        ]
    )
    from benchmarks.report import section_write

    section_write("denoise_train", markdown, data)
    print(markdown)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"done in {time.perf_counter() - started:.0f} s")
