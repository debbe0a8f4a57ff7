"""Inpainting photos: the gated-conv U-Net against OpenCV and scikit-image, in the same run.

    python -m benchmarks.inpaint_photos [--weights shipped|PATH] [--train SECONDS] [--set key=value ...]
           [--sets set12,colour,unseen] [--threads 1] [--device auto] [--no-large]

Protocol (issue 12): Set12 (12 grey images) and the colour samples (astronaut, coffee, chelsea) with
free-form masks covering 10 %, 25 % and 40 % (fixed seeds: apps/inpaint/ml/evaluate.py); "unseen":
scikit-image images neither training nor these tests use (brick, grass, gravel, rocket, moon, where
scikit-image bundles them). Whole-image PSNR / SSIM (Gaussian window), PSNR over the hole, ms per image.
Colour samples are filled with the net on R, G and B; a photo above 0.6 MP in luma mode by default
(apps/inpaint/ml/inference.py). Speed: a 1-megapixel colour photo (astronaut resized to 1024×1024,
timed in both modes) and its grey version with a 25 % free-form mask, model and each baseline, at
--threads torch threads. Target: the model ≥ the best baseline (Telea, Navier–Stokes, biharmonic) in
whole-image PSNR at every coverage; a 1 MP photo in ≤ 5 s on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from benchmarks.gallery_common import data_dir_resolve, device_describe, device_pick, table_make, threads_pin
from benchmarks.report import section_write

NAME = "inpaint_photos"
WEIGHTS = Path(__file__).resolve().parent.parent / "apps" / "inpaint" / "weights"
BASELINES = ("telea", "navier_stokes", "biharmonic")
LABELS = {
    "model": "**gated-conv U-Net**",
    "model_planes": "gated-conv U-Net, net on R, G and B",
    "telea": "OpenCV Telea",
    "navier_stokes": "OpenCV Navier–Stokes",
    "biharmonic": "biharmonic (scikit-image)",
}
COVERAGES = (10, 25, 40)


def args_parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default="shipped", help="'shipped' or a checkpoint path")
    parser.add_argument("--train", type=float, help="train a model for this many seconds instead")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="InpainterConfig settings")
    parser.add_argument("--sets", default="set12,colour,unseen")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--no-large", action="store_true", help="skip the 1-megapixel timing")
    return parser.parse_args(argv)


def model_get(args, device: str):
    from apps.inpaint.ml.checkpoint import inpainter_load
    from apps.inpaint.ml.config import InpainterConfig
    from apps.inpaint.ml.data import photos_train_load
    from apps.inpaint.ml.train import photo_train

    if args.train:
        settings = {k: json.loads(v) if v[:1].isdigit() else v for k, v in (s.split("=", 1) for s in args.set)}
        config = InpainterConfig.from_dict({**settings, "model": "gated_unet", "seconds": args.train})
        images, source, _fallback = photos_train_load((data_dir_resolve(),))
        result = photo_train(images, config, device=device)
        return (
            result.model,
            f"trained here on {source} for {result.metrics['train_seconds']} s ({result.metrics['steps']} steps)",
        )
    path = WEIGHTS / "gated_unet-train400.pt" if args.weights == "shipped" else Path(args.weights)
    model = inpainter_load(path, device)
    return model, f"{path.name} ({model.metrics.get('train_seconds', '?')} s of training)"


def test_sets(names: list[str]) -> dict[str, tuple[list[np.ndarray], list[str]]]:
    from apps.inpaint.ml.data import colour_samples_load, set12_load, unseen_load

    sets = {}
    if "set12" in names:
        images = set12_load((data_dir_resolve(),))
        sets["set12"] = (images, [f"{i + 1:02d}" for i in range(len(images))])
    if "colour" in names:
        sets["colour"] = colour_samples_load()
    if "unseen" in names:
        sets["unseen"] = unseen_load()
    return {key: value for key, value in sets.items() if value[0]}


def large_time(model, device: str) -> dict:
    """Seconds to fill a 1024×1024 colour and grey photo (25 % free-form), model and baselines."""
    import cv2

    from apps.inpaint.ml.baselines import baseline_inpaint
    from apps.inpaint.ml.data import colour_samples_load
    from apps.inpaint.ml.inference import image_inpaint
    from apps.inpaint.ml.masks import mask_make

    colour = cv2.resize(colour_samples_load()[0][0], (1024, 1024), interpolation=cv2.INTER_CUBIC)
    grey = cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY)
    mask = mask_make("freeform", 1024, 1024, coverage=0.25, seed=7)
    out = {}
    for label, image in (("colour", colour), ("grey", grey)):
        for method in ("model", "model_planes", *BASELINES):
            if method == "model_planes" and label == "grey":
                out[method][label] = out["model"][label]  # one plane either way
                continue
            started = time.perf_counter()
            if method.startswith("model"):
                image_inpaint(
                    model, image, mask, device=device, colour="planes" if method == "model_planes" else "auto"
                )
            else:
                baseline_inpaint(method, image, mask)
            out.setdefault(method, {})[label] = time.perf_counter() - started
    return out


def markdown_make(data: dict) -> str:
    parts = [
        f"### Inpainting photos (free-form masks 10/25/40 %)\n\n`python -m benchmarks.inpaint_photos "
        f"{data['argv']}` — model: {data['made']}; {data['device']}.\n"
    ]
    verdicts = []
    for label, result in data["sets"].items():
        headers = (
            ["method"]
            + [f"{c} % PSNR" for c in COVERAGES]
            + [f"{c} % SSIM" for c in COVERAGES]
            + [f"{c} % hole PSNR" for c in COVERAGES]
            + ["ms / image"]
        )
        rows = []
        for method in ["model", *result["baselines"]]:
            scores = result["model"] if method == "model" else result["baselines"][method]
            rows.append(
                [LABELS.get(method, method)]
                + [f"{scores[f'cov{c}']['psnr']:.2f}" for c in COVERAGES]
                + [f"{scores[f'cov{c}']['ssim']:.4f}" for c in COVERAGES]
                + [f"{scores[f'cov{c}']['psnr_masked']:.2f}" for c in COVERAGES]
                + [f"{np.mean([scores[f'cov{c}']['ms_per_image'] for c in COVERAGES]):.0f}"]
            )
        parts.append(f"\n**{label}** ({', '.join(result['names'])}):\n\n" + table_make(headers, rows) + "\n")
        for c in COVERAGES:
            best = max(result["baselines"], key=lambda n: result["baselines"][n][f"cov{c}"]["psnr"])
            margin = result["model"][f"cov{c}"]["psnr"] - result["baselines"][best][f"cov{c}"]["psnr"]
            verdicts.append(f"{label} {c} %: {margin:+.2f} dB vs {best}")
    parts.append("\nModel minus the best baseline, whole-image PSNR: " + "; ".join(verdicts) + ".\n")
    if data.get("large"):
        rows = [[LABELS.get(m, m), f"{t['colour']:.2f}", f"{t['grey']:.2f}"] for m, t in data["large"].items()]
        parts.append(
            f"\n1-megapixel photo (1024×1024, 25 % free-form), seconds at {data['threads']} torch thread(s). "
            "For RGB photos above 0.6 MP the model's default is luma mode (the net fills the luminance, the "
            "Navier–Stokes fill the smooth chroma); below it, as for the colour samples above, the net fills "
            "R, G and B:\n\n" + table_make(["method", "colour", "grey"], rows) + "\n"
        )
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    import sys

    args = args_parse(argv)
    threads_pin(args.threads)
    device = device_pick(args.device)
    from apps.inpaint.ml.evaluate import photos_evaluate

    model, made = model_get(args, device)
    data = {
        "made": made,
        "device": device_describe(device),
        "threads": args.threads,
        "argv": " ".join(sys.argv[1:] if argv is None else argv),
        "sets": {},
    }
    for label, (images, names) in test_sets(args.sets.split(",")).items():
        started = time.perf_counter()
        scores = photos_evaluate(model, images, device=device, baselines=BASELINES)
        data["sets"][label] = {"names": names, "seconds": round(time.perf_counter() - started, 1), **scores}
        print(label, json.dumps({k: v["psnr"] for k, v in scores["model"].items()}), flush=True)
    if not args.no_large:
        data["large"] = large_time(model, device)
    markdown = markdown_make(data)
    print(markdown)
    section_write(NAME, markdown, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
