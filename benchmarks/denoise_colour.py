"""Colour denoising on scikit-image's sample photos at sigma 15/25/50, same run as CBM3D.

    python -m benchmarks.denoise_colour [--budget-seconds 600] [--checkpoint var/denoise/denoiser.pt]

The same protocol and methods as benchmarks.denoise_set12, on RGB images (astronaut, coffee,
chelsea, rocket: public domain / CC0), with CBM3D (`bm3d.bm3d_rgb`, benchmark-only) as the
reference. A 1-channel model denoises colour in an orthonormal opponent colour space.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.denoise_protocol import (
    ROOT,
    SIGMAS,
    methods_compare,
    set_load,
    table_markdown,
    threads_pin,
)
from benchmarks.denoise_set12 import MODEL, gaussian_widths_tune, methods_build, model_verdicts

COLOUR_SAMPLES = ("astronaut", "coffee", "chelsea", "rocket")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget-seconds", type=float, default=None)
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "var" / "denoise" / "denoiser.pt")
    args = parser.parse_args()
    threads_pin(1)
    from apps.core.ml.photos import samples_load

    # scikit-image's own files: the bundled copies hold three of the four (no rocket), and
    # samples_load would take that subset without a word.
    test = samples_load(mode="RGB", names=COLOUR_SAMPLES, folder=None)
    missing = sorted(set(COLOUR_SAMPLES) - set(test.names))
    if missing:
        raise SystemExit(f"scikit-image did not give {', '.join(missing)} (pip install -r benchmarks/requirements.txt)")
    train = set_load("Train400", mode="L")
    widths = gaussian_widths_tune(train.images[:8], SIGMAS)
    methods, notes = methods_build(widths, args.checkpoint, colour=True)
    results = methods_compare(test.images, test.names, SIGMAS, methods, args.budget_seconds)
    reference = "CBM3D" if "CBM3D" in methods else "non-local means (skimage)"
    model = MODEL
    lines = [
        "## Denoising: colour photos (`python -m benchmarks.denoise_colour`)",
        "",
        f"{', '.join(results['images'])} ({test.source}); i.i.d. Gaussian noise per channel, fixed seeds, "
        "unclipped; PSNR over all channels; SSIM the mean of the channels'. CPU seconds per image, one thread.",
        "",
        table_markdown(results, SIGMAS, list(methods), reference, model),
    ]
    if model in methods:
        lines += ["", *model_verdicts(results, reference)]
    lines += ["", *(f"- {note}" for note in notes)]
    markdown = "\n".join(lines)
    from benchmarks.report import section_write

    section_write("denoise_colour", markdown, {**results, "gaussian_widths": widths, "notes": notes})
    print(markdown)


if __name__ == "__main__":
    main()
