"""Set12 grayscale denoising at sigma 15/25/50: the model against classic baselines, same run.

    python -m benchmarks.denoise_set12 [--budget-seconds 600] [--checkpoint var/denoise/denoiser.pt]

Methods: the noisy input, a Gaussian filter (width tuned on Train400 images in the same run),
scikit-image's non-local means, BM3D (PyPI `bm3d`; benchmark-only: its license forbids shipping
it with the app, so it is imported here and nowhere else) and the project's model. CPU seconds
per image with one thread for every method. Published anchors: BM3D and DnCNN on all of Set12.
--budget-seconds stops before starting a new image once spent (all methods keep the same images).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

from apps.core.ml.image_metrics import psnr
from benchmarks.denoise_protocol import (
    PUBLISHED,
    ROOT,
    SIGMAS,
    Method,
    methods_compare,
    noisy_make,
    set_load,
    table_markdown,
    threads_pin,
    verdict_lines,
)

MODEL = "aeweb denoiser"
# The same weights averaged over the 8 flips and quarter turns (apps.denoise.ml.inference): the
# "best quality" option of the page and the API.
ENSEMBLE = "aeweb denoiser, self-ensemble ×8"


def gaussian_widths_tune(images: list[np.ndarray], sigmas: tuple[int, ...]) -> dict[int, float]:
    """The Gaussian filter width with the best mean PSNR on these (training) images, per sigma."""
    grid = (0.5, 0.7, 0.9, 1.1, 1.4, 1.8, 2.2, 2.8)
    best = {}
    for sigma in sigmas:
        score = {g: np.mean([psnr(im, np.clip(gaussian_filter(noisy_make(im, sigma, 99 + i), g), 0, 255))
                             for i, im in enumerate(images)]) for g in grid}
        best[sigma] = max(score, key=score.get)
    return best


def methods_build(widths: dict[int, float], checkpoint: Path, colour: bool) -> tuple[dict[str, Method], list[str]]:
    """The compared methods (name -> function) and notes on any that could not run."""
    from skimage.restoration import denoise_nl_means

    notes = []
    axis = -1 if colour else None
    methods: dict[str, Method] = {
        "noisy input": lambda x, s: x,
        "Gaussian filter": lambda x, s: np.stack(
            [gaussian_filter(x[..., c], widths[s]) for c in range(x.shape[2])], axis=2) if colour
        else gaussian_filter(x, widths[s]),
        # scikit-image's suggested setting for its fast mode: h = 0.8 sigma with sigma given
        "non-local means (skimage)": lambda x, s: 255.0 * denoise_nl_means(
            x / 255.0, h=0.8 * s / 255.0, sigma=s / 255.0, fast_mode=True, patch_size=5, patch_distance=6,
            channel_axis=axis),
    }
    try:
        import bm3d

        if colour:
            methods["CBM3D"] = lambda x, s: 255.0 * bm3d.bm3d_rgb(x / 255.0, s / 255.0)
        else:
            methods["BM3D"] = lambda x, s: 255.0 * bm3d.bm3d(x / 255.0, s / 255.0)
    except ImportError:
        notes.append("BM3D not measured: `pip install bm3d` (benchmark-only dependency)")
    if checkpoint.exists():
        from apps.denoise.ml.checkpoint import denoiser_load
        from apps.denoise.ml.inference import image_denoise

        model = denoiser_load(checkpoint, "cpu")
        methods[MODEL] = lambda x, s: 255.0 * image_denoise(model, x / 255.0, s, tile=256, overlap=32)
        methods[ENSEMBLE] = lambda x, s: 255.0 * image_denoise(
            model, x / 255.0, s, tile=256, overlap=32, self_ensemble=True)
        c = model.config
        where = checkpoint.relative_to(ROOT) if checkpoint.is_relative_to(ROOT) else checkpoint
        trained = {k: round(v, 2) if isinstance(v, float) else v for k, v in model.metrics.items()}
        notes.append(f"aeweb denoiser: `{where}` (width {c.width}, {c.levels} levels, {c.channels} channel(s); "
                     f"training metrics {trained})")
        notes.append("aeweb denoiser, blind σ: the same model given the σ estimated from the noisy image")
        methods["aeweb denoiser, blind σ"] = lambda x, s: 255.0 * image_denoise(model, x / 255.0, None)
    else:
        notes.append(f"model not measured: no checkpoint at {checkpoint} (train one with benchmarks.denoise_train)")
    return methods, notes


def model_verdicts(results: dict, reference: str) -> list[str]:
    """Markdown bullets: where the model, and its self-ensemble, stand against the reference."""
    return [f"- {MODEL}: {line}" for line in verdict_lines(results, SIGMAS, MODEL, reference)] + [
        f"- {ENSEMBLE}: {line}" for line in verdict_lines(results, SIGMAS, ENSEMBLE, reference, faster=None)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget-seconds", type=float, default=None)
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "var" / "denoise" / "denoiser.pt")
    args = parser.parse_args()
    threads_pin(1)

    test = set_load("Set12", mode="L")
    train = set_load("Train400", mode="L")
    widths = gaussian_widths_tune(train.images[:8], SIGMAS)
    methods, notes = methods_build(widths, args.checkpoint, colour=False)
    results = methods_compare(test.images, test.names, SIGMAS, methods, args.budget_seconds)
    names = list(methods)
    reference = "BM3D" if "BM3D" in methods else "non-local means (skimage)"
    model = MODEL
    lines = [
        "## Denoising: Set12, grayscale (`python -m benchmarks.denoise_set12`)",
        "",
        f"{len(results['images'])} of {len(test.images)} images from {test.source}"
        + (" (budget reached)" if len(results["images"]) < len(test.images) else "")
        + "; white Gaussian noise, fixed seeds, unclipped; outputs clipped to 0..255; PSNR in dB; SSIM as "
        "scikit-image's (Gaussian window, σ 1.5). CPU seconds per image, one thread each.",
        "",
        table_markdown(results, SIGMAS, names, reference, model, PUBLISHED),
        "",
        f"Gaussian filter widths (tuned on 8 Train400 images): {widths}.",
    ]
    if model in methods:
        lines += ["", *model_verdicts(results, reference)]
    lines += ["", *(f"- {note}" for note in notes)]
    markdown = "\n".join(lines)
    from benchmarks.report import section_write

    section_write("denoise_set12", markdown, {**results, "gaussian_widths": widths, "notes": notes,
                                              "published": PUBLISHED})
    print(markdown)


if __name__ == "__main__":
    main()
