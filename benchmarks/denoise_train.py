"""Train the denoiser's shipped weights on Train400 and check them on Set12.

    python -m benchmarks.denoise_train [--train-seconds 1140] [--preset cpu|full|gpu] [--device auto]
                                        [--out var/denoise/denoiser.pt] [--set key=value ...]

`--preset full` is the real run for a GPU machine (width 64, 64-px patches, about 100 passes
over Train400's 400×128 patches); `--preset gpu` is the same model at a GPU's pace (batch 256,
lr scaled by the square-root rule, bf16 autocast and channels_last; see benchmarks.denoise_pace);
`--preset cpu` is a small model for a shared 2-core CPU, bounded by --train-seconds. `--init`
continues from earlier weights (the shipped ones, or a GPU run's), so short runs add up.

`--chroma` (with `--init`) trains only the colour part of a grayscale model: the chroma net that
denoises each chroma plane seeing the two other planes (apps.denoise.ml.chroma). Train400 is
grayscale, so it learns from the colour photos that installed packages ship (CHROMA_PHOTOS, never
the colour benchmark's), and is validated on one more (CHROMA_VAL); benchmarks.denoise_colour then
measures it against CBM3D.

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
from dataclasses import replace
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

# Colour photos inside installed wheels, as (package, path in it): scikit-image's Middlebury stereo
# pair and immunohistochemistry slide, scikit-learn's two JPEGs. None of them is one of the colour
# benchmark's samples (astronaut, coffee, chelsea, rocket). Validation: matplotlib's Grace Hopper.
CHROMA_PHOTOS = (
    ("skimage", "data/motorcycle_left.png"),
    ("skimage", "data/motorcycle_right.png"),
    ("skimage", "data/ihc.png"),
    ("sklearn", "datasets/images/china.jpg"),
    ("sklearn", "datasets/images/flower.jpg"),
)
CHROMA_VAL = (("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),)


def package_photos(entries: tuple[tuple[str, str], ...]) -> list[np.ndarray]:
    """RGB uint8 photos read from installed packages (a missing package or file is an error)."""
    import importlib.util

    from apps.core.ml.photos import image_read

    out = []
    for package, relative in entries:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"--chroma needs the package {package} (pip install -r benchmarks/requirements.txt)")
        out.append(image_read(Path(spec.submodule_search_locations[0]) / relative, mode="RGB"))
    return out


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
        "--chroma", action="store_true", help="train only the colour (chroma) net of --init's model on colour photos"
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
    initial_state, lineage, payload = None, [], {}
    if args.init:
        lineage = lineage_of(args.init)
        # The architecture is the checkpoint's; the preset and --set give only the training settings.
        payload = checkpoint_read(args.init)
        architecture = {k: payload["config"][k] for k in ("channels", "width", "levels", "convs")}
        settings.update(architecture)
        initial_state = payload["state"]
    config = DenoiserConfig.from_dict(settings)
    device = device_pick(args.device)
    if args.chroma:
        if not args.init:
            raise SystemExit("--chroma trains the colour part of a grayscale model: give it with --init")
        return chroma_main(args, replace(config, chroma=True), device, payload, lineage)
    if initial_state is not None and any(key.startswith("chroma.") for key in initial_state):
        # the grayscale net changes here, so the chroma net made from it is left behind
        initial_state = {k: v for k, v in initial_state.items() if not k.startswith("chroma.")}
        print("--init's chroma net is not continued: train it again with --chroma once this run is done")
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


def chroma_main(args: argparse.Namespace, config, device: str, init: dict, lineage: list[dict]) -> None:
    """--chroma: train the chroma net of --init's grayscale model; its figures go in with a
    "chroma_" prefix beside the grayscale run's (whose Set12 figures it does not change)."""
    from apps.denoise.ml.checkpoint import denoiser_save
    from apps.denoise.ml.chroma import chroma_train

    photos, val = package_photos(CHROMA_PHOTOS), package_photos(CHROMA_VAL)
    print(f"training the chroma net on {len(photos)} colour photos, device {device}, config {config.to_dict()}")

    def on_epoch(entry: dict) -> None:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in entry.items()}), flush=True)

    result = chroma_train(photos, config, init["state"], val_images=val, device=device, on_epoch=on_epoch)
    m = result.metrics
    metrics = {
        **{k: v for k, v in init.get("metrics", {}).items() if not k.startswith("chroma_")},
        **{f"chroma_{k}": v for k, v in m.items()},
        "parameters": m["parameters"],
        "train_seconds": m["train_seconds"],
    }
    provenance = {
        "dataset": init.get("dataset", "train400"),
        "made_by": shlex.join(["python", "-m", "benchmarks.denoise_train", *sys.argv[1:]]),
        "device": str(device),
        "lineage": lineage,
    }
    out = Path(args.out)
    denoiser_save(out, result.state, config, metrics=metrics, history=result.history, extra=provenance)
    names = ", ".join(Path(path).stem for _, path in CHROMA_PHOTOS)
    rows = [
        f"| {s} | {fmt(m[f'psnr_val_start_sigma{s}'])} | {fmt(m[f'psnr_val_sigma{s}'])} | "
        f"{m[f'psnr_val_sigma{s}'] - m[f'psnr_val_start_sigma{s}']:+.2f} |"
        for s in SIGMAS
    ]
    markdown = "\n".join(
        [
            "## Denoiser colour training (`python -m benchmarks.denoise_train --chroma`)",
            "",
            f"The chroma net of `{args.init}` ({m['chroma_parameters']:,} parameters, started as its grayscale net) "
            f"on {device}: {m['steps']:,} steps of {config.batch_size} chroma planes of {config.patch_size} px "
            f"in {m['train_seconds']:.0f} s, on {names} (colour photos from installed packages). Validation: RGB PSNR "
            f"of the whole model on a {config.val_patch_size} px centre crop of Grace Hopper (matplotlib), "
            "before and after.",
            "",
            "| sigma | grayscale net on every plane (dB) | with the trained chroma net (dB) | gain |",
            "| ---: | ---: | ---: | ---: |",
            *rows,
            "",
            "Against CBM3D on the colour benchmark: the colour photos section.",
            *(f"- {note}" for note in result.notes),
        ]
    )
    from benchmarks.report import section_write

    section_write("denoise_chroma", markdown, {"config": config.to_dict(), "train": m, "checkpoint": str(out)})
    print(markdown)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"done in {time.perf_counter() - started:.0f} s")
