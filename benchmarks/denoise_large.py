"""A 12-megapixel RGB photo through the tiled denoiser: peak memory, time, and seams.

    python -m benchmarks.denoise_large [--checkpoint var/denoise/denoiser.pt] [--megapixels 12]

The photo is scikit-image's astronaut scaled up to about 4000×3000 with sigma-25 noise. Peak
memory is the process's maximum resident size (ru_maxrss) before and after, so the figure is
what a worker would need. Seams: on a 1024×1024 crop, the tiled result against one whole-image
pass (PSNR between the two; identical would be inf), and the mean jump across tile borders
against the mean jump elsewhere.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.denoise_protocol import ROOT, cpu_seconds, fmt, threads_pin


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "var" / "denoise" / "denoiser.pt")
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--overlap", type=int, default=32)
    parser.add_argument("--batch", type=int, default=4)
    args = parser.parse_args()
    threads_pin(1)
    from apps.core.ml.image_metrics import psnr
    from apps.core.ml.photos import samples_load
    from apps.denoise.ml.checkpoint import denoiser_load
    from apps.denoise.ml.inference import image_denoise
    from apps.denoise.ml.noise import noise_add

    model = denoiser_load(args.checkpoint, "cpu")
    base = samples_load(mode="RGB", names=("astronaut",)).images[0]
    width = int(round((args.megapixels * 1e6 * 4 / 3) ** 0.5))
    height = int(round(width * 3 / 4))
    photo = np.asarray(Image.fromarray(base).resize((width, height), Image.BICUBIC))
    # noise added in row blocks: whole-image float64 temporaries would raise the peak being measured
    noisy = np.concatenate([noise_add(photo[r : r + 256], 25, seed=r) for r in range(0, height, 256)])
    del photo
    before = rss_mib()
    c0, w0 = cpu_seconds(), time.perf_counter()
    ticks = []
    out = image_denoise(model, noisy, 25, tile=args.tile, overlap=args.overlap, batch=args.batch, progress=ticks.append)
    cpu, wall = cpu_seconds() - c0, time.perf_counter() - w0
    peak = rss_mib()
    assert out.shape == noisy.shape and out.dtype == np.uint8

    crop = noisy[:1024, :1024].astype(np.float32) / 255.0
    whole = image_denoise(model, crop, 25, tile=None)
    tiled = image_denoise(model, crop, 25, tile=args.tile, overlap=args.overlap)
    stride = args.tile - args.overlap
    edges = [x for x in range(stride, 1024, stride)]
    jump = np.abs(np.diff(tiled, axis=1)).mean(axis=(0, 2))
    at_edges = float(np.mean([jump[x - 1] for x in edges]))
    elsewhere = float(np.mean(np.delete(jump, [x - 1 for x in edges])))
    agreement = psnr(whole, tiled, 1.0)

    data = {"height": height, "width": width, "noisy_mib": noisy.nbytes / 2**20, "rss_before_mib": before,
            "rss_peak_mib": peak, "cpu_seconds": cpu, "wall_seconds": wall, "progress_calls": len(ticks),
            "tiled_vs_whole_psnr": agreement, "jump_at_tile_columns": at_edges, "jump_elsewhere": elsewhere,
            "tile": args.tile, "overlap": args.overlap, "batch": args.batch}
    markdown = "\n".join([
        "## Denoising: a large photo in tiles (`python -m benchmarks.denoise_large`)",
        "",
        f"{width}×{height} RGB ({width * height / 1e6:.1f} MP, uint8 {data['noisy_mib']:.0f} MiB), sigma 25, "
        f"tiles of {args.tile} px overlapping {args.overlap}, {args.batch} per batch, one CPU thread.",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| peak resident memory of the process (MiB) | {peak:.0f} (before the call: {before:.0f}) |",
        f"| CPU seconds / wall seconds | {cpu:.1f} / {wall:.1f} |",
        f"| progress callbacks | {len(ticks)} |",
        f"| tiled vs whole-image pass on a 1024² crop, PSNR (dB) | {fmt(agreement)} |",
        f"| mean column-to-column jump at tile borders / elsewhere (0..1 scale) | {at_edges:.4f} / {elsewhere:.4f} |",
    ])
    from benchmarks.report import section_write

    section_write("denoise_large", markdown, data)
    print(markdown)


if __name__ == "__main__":
    main()
