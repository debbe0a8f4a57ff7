"""Speed of the gallery's models: sampling images per second (batches of 64) and training seconds per epoch.

    python -m benchmarks.gallery_speed [--budget-seconds 60] [--train-count 60000] [--iwae-k 1000]
                                       [--device auto] [--threads 1]

Every figure is measured in this run and given as a ratio to the classic MLP VAE (784-400-20),
measured in the same run on the same machine. Sampling times `samples_generate(model, 64, seed)`
end to end (noise, decoding, conversion to uint8) in rounds that visit every model in turn, so
load from other processes spreads over all of them; the median round counts. Training times
one epoch of `vae_train` on --train-count Fashion-MNIST images, scaled to a 60,000-image epoch.
The weights are freshly initialised: speed does not depend on their values. --budget-seconds
is the sampling time given to each model; the defaults are a full run.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from benchmarks.gallery_common import (
    data_dir_resolve,
    device_describe,
    device_pick,
    fmt,
    table_make,
    threads_pin,
)
from benchmarks.report import section_write

MODELS = {
    "conv (gallery default)": {"model": "conv"},
    "conditional": {"model": "conditional"},
    "latent2d": {"model": "latent2d"},
    "MLP 784-400-20 (baseline)": {"model": "mlp"},
}
BASELINE = "MLP 784-400-20 (baseline)"
ROUNDS = 5


def sampling_rates(models: dict, seconds_each: float, device: str) -> dict[str, list[float]]:
    """Images per second of each model, one figure per round."""
    import torch

    from apps.gallery.ml.generate import samples_generate

    rates: dict[str, list[float]] = {name: [] for name in models}
    for model in models.values():  # warm-up: allocator, kernels
        samples_generate(model, 64, seed=0, label=0 if model.conditional else None)
    for _ in range(ROUNDS):
        for name, model in models.items():
            label = 0 if model.conditional else None
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds_each / ROUNDS:
                samples_generate(model, 64, seed=count, label=label)
                count += 1
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            rates[name].append(64 * count / (time.perf_counter() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget-seconds", type=float, default=60.0, help="sampling time per model")
    parser.add_argument("--train-count", type=int, default=60_000, help="images in the timed training epoch")
    parser.add_argument("--iwae-k", type=int, default=1000, help="importance samples for the scoring cost")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    threads_pin(args.threads)
    data_dir_resolve()
    import torch

    from apps.core.ml.image_datasets import dataset_load
    from apps.core.ml.vae.bounds import iwae_nll
    from apps.core.ml.vae.config import VaeConfig
    from apps.core.ml.vae.models import parameters_count, vae_build
    from apps.core.ml.vae.train import images_to_tensor, vae_train

    device = device_pick(args.device)
    train_x, train_y = dataset_load("fashion-mnist", "train", progress=False)
    train_x, train_y = train_x[: args.train_count], train_y[: args.train_count]
    models = {name: vae_build(VaeConfig.from_dict(s)).to(device).eval() for name, s in MODELS.items()}

    rates = sampling_rates(models, args.budget_seconds, device)
    results: dict[str, dict] = {}
    for name in MODELS:
        results[name] = {"parameters": parameters_count(models[name]),
                         "images_per_second": float(np.median(rates[name])), "rounds": rates[name]}  # fmt: skip
        print(f"[sampling] {name}: {results[name]['images_per_second']:.0f} images/s", file=sys.stderr, flush=True)

    for name, settings in MODELS.items():
        config = VaeConfig.from_dict({**settings, "epochs": 1})
        trained = vae_train(train_x, train_y, config, device=device)
        seconds = trained.history[0]["seconds"] * 60_000 / len(train_x)
        results[name]["train_seconds_per_60k_epoch"] = seconds
        x = images_to_tensor(train_x[:10], device)
        y = torch.from_numpy(train_y[:10].astype(np.int64)).to(device) if models[name].conditional else None
        start = time.perf_counter()
        with torch.inference_mode():
            iwae_nll(models[name], x, y, k=args.iwae_k)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        results[name]["iwae_seconds_per_image"] = (time.perf_counter() - start) / 10
        print(f"[training] {name}: {seconds:.1f} s per 60k epoch", file=sys.stderr, flush=True)

    base = results[BASELINE]
    rows = []
    for name, r in results.items():
        rows.append([
            name, f"{r['parameters']:,}", fmt(r["images_per_second"], 0),
            fmt(r["images_per_second"] / base["images_per_second"]),
            fmt(r["train_seconds_per_60k_epoch"], 1),
            fmt(r["train_seconds_per_60k_epoch"] / base["train_seconds_per_60k_epoch"]),
            fmt(r["iwae_seconds_per_image"], 3),
            fmt(r["iwae_seconds_per_image"] / base["iwae_seconds_per_image"]),
        ])  # fmt: skip
    headers = ["model", "parameters", "sampling images/s (batches of 64)", "× MLP", "training s per 60k-image epoch",
               "× MLP", f"IWAE K={args.iwae_k} s/image", "× MLP"]  # fmt: skip
    full = args.budget_seconds >= 60 and args.train_count >= 60_000
    budget_note = "a full run" if full else "a REDUCED run (shared 2-core CPU)"
    markdown = "\n".join([
        "## VAE gallery: speed (`benchmarks/gallery_speed.py`)",
        "",
        f"This is {budget_note}: sampling timed for {args.budget_seconds:.0f} s per model in {ROUNDS} interleaved "
        f"rounds (median round); training timed over one epoch of {len(train_x):,} Fashion-MNIST images and "
        f"scaled to 60,000; IWAE scoring timed on 10 images. Device: {device_describe(device)}. The ratios are "
        "to the MLP VAE measured in the same run; the machine is shared, so absolute figures move with its load.",
        "",
        table_make(headers, rows),
    ])  # fmt: skip
    section_write("gallery_speed", markdown, {"args": vars(args), "device": device, "results": results})
    print(markdown)


if __name__ == "__main__":
    main()
