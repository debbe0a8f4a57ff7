"""What the denoising benchmarks share: test images, fixed noise, timing, table helpers.

Protocol (as in DnCNN's and BM3D's papers): clean uint8 images, white Gaussian noise of std
sigma on the 0-255 scale added in floating point without clipping (fixed seeds), outputs
clipped to [0, 255], PSNR and SSIM against the clean image on the 0-255 scale.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from apps.core.ml.image_metrics import psnr, ssim
from apps.core.ml.photos import ImageDataset, dataset_load
from benchmarks.gallery_common import device_pick  # noqa: F401  (the denoise benchmarks' --device)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SIGMAS = (15, 25, 50)
# Published Set12 averages (PSNR dB): BM3D and DnCNN-S as reported in Zhang et al. 2017, Table 2.
PUBLISHED = {"BM3D": {15: 32.37, 25: 29.97, 50: 26.72}, "DnCNN": {15: 32.86, 25: 30.44, 50: 27.18}}


def set_load(name: str, mode: str | None) -> ImageDataset:
    """A named test set from AEWEB_DATA_DIR (or ../shared/data), else the labelled fallback."""
    return dataset_load(name, mode=mode, extra_dirs=(DEFAULT_DATA,))


def noisy_make(clean: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """float64 noisy image on 0..255, unclipped, reproducible from (sigma, seed)."""
    rng = np.random.default_rng(10_000 * int(sigma) + seed)
    return clean.astype(np.float64) + rng.normal(0.0, sigma, clean.shape)


def cpu_seconds() -> float:
    """CPU time of this process and its threads (children excluded): fair on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def method_run(fn: Callable[[np.ndarray], np.ndarray], noisy: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(output clipped to 0..255, CPU seconds, wall seconds)."""
    c0, w0 = cpu_seconds(), time.perf_counter()
    out = fn(noisy)
    return np.clip(np.asarray(out, dtype=np.float64), 0, 255), cpu_seconds() - c0, time.perf_counter() - w0


def scores(clean: np.ndarray, out: np.ndarray) -> tuple[float, float]:
    return psnr(clean, out, 255.0), ssim(clean, out, 255.0)


def threads_pin(threads: int = 1) -> None:
    """One thread everywhere, so CPU seconds compare like for like on a shared 2-core machine."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    import torch

    torch.set_num_threads(threads)


def fmt(value: float, digits: int = 2) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


Method = Callable[[np.ndarray, float], np.ndarray]  # (noisy float 0..255, sigma) -> estimate 0..255


def methods_compare(
    images: list[np.ndarray],
    names: list[str],
    sigmas: tuple[int, ...],
    methods: dict[str, Method],
    budget_seconds: float | None,
) -> dict:
    """Every method on every (image, sigma) until the budget runs out; per-sigma averages.

    The budget is checked before each image, so all methods always cover the same images.
    """
    started = time.perf_counter()
    results: dict = {"images": [], "per_image": [], "by_sigma": {}}
    per: dict = {(s, m): {"psnr": [], "ssim": [], "cpu": [], "wall": []} for s in sigmas for m in methods}
    for i, (clean, name) in enumerate(zip(images, names, strict=True)):
        if budget_seconds is not None and i > 0 and time.perf_counter() - started > budget_seconds:
            break
        results["images"].append(name)
        for sigma in sigmas:
            noisy = noisy_make(clean, sigma, i)
            for method, fn in methods.items():
                out, cpu, wall = method_run(lambda x, f=fn, s=sigma: f(x, s), noisy)
                p, s_ = scores(clean, out)
                bucket = per[(sigma, method)]
                bucket["psnr"].append(p)
                bucket["ssim"].append(s_)
                bucket["cpu"].append(cpu)
                bucket["wall"].append(wall)
                results["per_image"].append({"image": name, "sigma": sigma, "method": method, "psnr": p,
                                             "ssim": s_, "cpu_seconds": cpu, "wall_seconds": wall})
                print(f"{name} sigma={sigma} {method}: {p:.2f} dB, SSIM {s_:.4f}, {cpu:.2f} CPU s", flush=True)
    for sigma in sigmas:
        results["by_sigma"][sigma] = {
            m: {k + ("_seconds" if k in ("cpu", "wall") else ""): float(np.mean(v)) for k, v in per[(sigma, m)].items()}
            for m in methods
        }
    results["seconds"] = time.perf_counter() - started
    return results


def table_markdown(results: dict, sigmas: tuple[int, ...], methods: list[str], reference: str, model: str,
                   published: dict | None = None) -> str:
    """One table: PSNR / SSIM / CPU s per image per method and sigma, speed as a ratio to the model."""
    head = "| method | " + " | ".join(f"σ={s} PSNR | σ={s} SSIM" for s in sigmas) + " | CPU s / image | × model time |"
    lines = [head, "| --- |" + " ---: | ---: |" * len(sigmas) + " ---: | ---: |"]
    by = results["by_sigma"]
    model_cpu = np.mean([by[s][model]["cpu_seconds"] for s in sigmas]) if model in methods else None
    for m in methods:
        cells = " | ".join(f"{fmt(by[s][m]['psnr'])} | {fmt(by[s][m]['ssim'], 4)}" for s in sigmas)
        cpu = float(np.mean([by[s][m]["cpu_seconds"] for s in sigmas]))
        ratio = fmt(cpu / model_cpu, 1) if model_cpu and m != "noisy input" else "–"
        lines.append(f"| {m} | {cells} | {fmt(cpu, 3)} | {ratio} |")
    for name, values in (published or {}).items():
        cells = " | ".join(f"{fmt(values[s])} | –" for s in sigmas)
        lines.append(f"| {name} (published, all of Set12) | {cells} | – | – |")
    return "\n".join(lines)


def verdict_lines(results: dict, sigmas: tuple[int, ...], model: str, reference: str,
                  faster: float | None = 10) -> list[str]:
    """Where the model stands against the reference on quality and speed (targets: ≥ at every σ, and
    `faster` times faster unless None)."""
    by = results["by_sigma"]
    out = []
    for s in sigmas:
        gap = by[s][model]["psnr"] - by[s][reference]["psnr"]
        out.append(f"σ={s}: model − {reference} = {gap:+.2f} dB PSNR, "
                   f"{by[s][model]['ssim'] - by[s][reference]['ssim']:+.4f} SSIM")
    speed = np.mean([by[s][reference]["cpu_seconds"] for s in sigmas]) / max(
        1e-9, np.mean([by[s][model]["cpu_seconds"] for s in sigmas]))
    quality = all(by[s][model]["psnr"] >= by[s][reference]["psnr"] for s in sigmas)
    out.append(f"speed: the model takes 1/{speed:.1f} of {reference}'s CPU time per image")
    if faster is None:
        out.append(f"target (≥ {reference} at every σ): {'met' if quality else 'NOT met'}")
    else:
        met = quality and speed >= faster
        out.append(f"target (≥ {reference} at every σ and ≥ {faster:g}× faster): {'met' if met else 'NOT met'}")
    return out
