"""The denoising service end to end: a 1-megapixel upload with a warm worker, and a 12-megapixel one's peak memory.

    python -m aeweb.embedded_redis -- python -m benchmarks.denoise_service [--weights DIR] [--runs 5]

Runs on its own state (AEWEB_VAR_DIR, default /tmp/aeweb-bench-denoise): migrates, registers a
denoiser, starts one real Celery worker (prefork, one child, as in production) and posts through
the real REST API (Django's test client, so no network in the timing). The figure is request →
result available: POST /api/denoise/ with the image and sigma 25, then polling GET every 20 ms
until it reads "succeeded"; the first request warms the worker (model load), the median of the
next `--runs` is reported. Peak memory is the worker child's VmHWM (peak resident set) from
/proc after a 12-megapixel JPEG (4000×3000, sigma 25 added in the worker) went through.

--weights DIR registers shipped weights (denoiser.pt + denoiser.json); without it an untrained
net of the default architecture is registered: time and memory do not depend on the weights.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def env_prepare(var_dir: Path) -> None:
    os.environ["AEWEB_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeweb.settings")
    os.environ.pop("DATABASE_URL", None)
    # polling every 20 ms would meet the anonymous rate limit, which is not what is measured
    os.environ["AEWEB_THROTTLE_UPLOADS"] = "1000/min"
    os.environ["AEWEB_THROTTLE_ANON"] = "100000/min"
    os.environ["AEWEB_PIXEL_BUDGET_MEGAPIXELS"] = "100000"  # the per-client budget is not measured either


def vm_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


def photo_bytes(megapixels: float, fmt: str) -> tuple[bytes, tuple[int, int]]:
    import numpy as np
    from PIL import Image

    from apps.core.ml.photos import samples_load

    base = samples_load(mode="RGB", names=("astronaut",)).images[0]
    width = int(round((megapixels * 1e6 * 4 / 3) ** 0.5))
    height = int(round(width * 3 / 4))
    photo = Image.fromarray(np.asarray(base)).resize((width, height), Image.BICUBIC)
    out = io.BytesIO()
    photo.save(out, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return out.getvalue(), (width, height)


def model_register(weights: Path | None, width: int) -> str:
    from apps.denoise.services import denoiser_weights_register

    if weights is not None:
        version = denoiser_weights_register(folder=weights)
        return f"shipped weights {weights} ({version})"
    import json

    from apps.core.artifacts import file_sha256
    from apps.denoise.ml.checkpoint import denoiser_save
    from apps.denoise.ml.config import DenoiserConfig
    from apps.denoise.ml.model import denoiser_build, parameters_count

    folder = Path(tempfile.mkdtemp(prefix="bench-weights-"))
    config = DenoiserConfig.from_dict({"width": width})
    net = denoiser_build(config)
    path = denoiser_save(folder / "denoiser.pt", net, config)
    meta = {"name": "unet", "dataset": "benchmark", "config": config.to_dict(), "sha256": file_sha256(path)}
    (folder / "denoiser.json").write_text(json.dumps(meta))
    version = denoiser_weights_register(folder=folder)
    return f"untrained default-architecture net, width {width}, {parameters_count(net):,} parameters ({version})"


def request_time(client, data: bytes, name: str, timeout: float = 900.0) -> tuple[float, dict]:
    upload = io.BytesIO(data)
    upload.name = name
    started = time.perf_counter()
    response = client.post("/api/denoise/", {"image": upload, "sigma": "25"}, format="multipart")
    assert response.status_code == 202, response.content
    url = response.json()["url"]
    while True:
        body = client.get(url).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            break
        if time.perf_counter() - started > timeout:
            raise TimeoutError(url)
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    assert body["status"] == "succeeded", body["error"]
    return elapsed, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--width", type=int, default=48, help="net width when no weights are given")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--var-dir", type=Path, default=Path("/tmp/aeweb-bench-denoise"))
    parser.add_argument("--threads", type=int, default=0, help="AEWEB_TORCH_THREADS for the worker (0: default)")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    env_prepare(args.var_dir)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from benchmarks.report import section_write

    call_command("migrate", verbosity=0)
    model = model_register(args.weights, args.width)
    env = {**os.environ, "AEWEB_DEVICE": os.environ.get("AEWEB_DEVICE", "cpu"), "PYTHONUNBUFFERED": "1"}
    if args.threads:
        env["AEWEB_TORCH_THREADS"] = str(args.threads)
    log = open(args.var_dir / "bench-worker.log", "wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "aeweb", "worker", "-Q", "gpu,default", "-c", "1", "-P", "prefork",
         "-n", f"bench-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        client = APIClient()
        one_mp, one_size = photo_bytes(1.0, "PNG")
        warm, _ = request_time(client, one_mp, "photo-1mp.png", timeout=300)
        (child,) = children(worker.pid)
        rss_warm = vm_kib(child, "VmHWM") / 1024
        times, seconds = [], []
        for i in range(args.runs):
            elapsed, body = request_time(client, one_mp, f"photo-1mp-{i}.png")
            times.append(elapsed)
            seconds.append(body["seconds"])
        rss_1mp = vm_kib(child, "VmHWM") / 1024
        twelve, twelve_size = photo_bytes(12.0, "JPEG")
        big_elapsed, big = request_time(client, twelve, "photo-12mp.jpg")
        rss_12mp = vm_kib(child, "VmHWM") / 1024
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=60)
    data = {
        "model": model,
        "device": env["AEWEB_DEVICE"],
        "torch_threads": args.threads or "default",
        "one_megapixel": {
            "size": one_size,
            "upload_bytes": len(one_mp),
            "first_request_seconds": warm,
            "runs": times,
            "median_seconds": statistics.median(times),
            "worker_seconds_median": statistics.median(seconds),
        },
        "twelve_megapixel": {
            "size": twelve_size,
            "upload_bytes": len(twelve),
            "seconds": big_elapsed,
            "worker_seconds": big["seconds"],
            "psnr_noisy": big["psnr_noisy"],
            "psnr": big["psnr"],
        },
        "worker_peak_rss_mib": {"after_warmup": rss_warm, "after_1mp": rss_1mp, "after_12mp": rss_12mp},
        "upload_limits": {"bytes": settings.AEWEB_UPLOAD_MAX_BYTES, "pixels": settings.AEWEB_UPLOAD_MAX_PIXELS},
    }
    print(data)
    if args.no_report:
        return
    w1, h1 = one_size
    w12, h12 = twelve_size
    markdown = f"""## Denoising service: end to end

`python -m aeweb.embedded_redis -- python -m benchmarks.denoise_service` — one real Celery worker
(prefork, 1 child, device {data["device"]}), the real REST API and Redis. Model: {model}.

| measure | value |
| --- | --- |
| {w1}×{h1} PNG, σ=25 added, request → result (median of {len(times)}, warm worker) | {statistics.median(times):.2f} s |
| of which the worker's own processing (median) | {statistics.median(seconds):.2f} s |
| first request (cold worker: model load) | {warm:.2f} s |
| {w12}×{h12} JPEG upload ({len(twelve) / 2**20:.1f} MB), σ=25, request → result | {big_elapsed:.1f} s |
| worker child peak RSS (VmHWM) after the 1 MP requests | {rss_1mp:.0f} MiB |
| worker child peak RSS (VmHWM) after the 12 MP request | {rss_12mp:.0f} MiB |

The 12-megapixel photo is processed in 256-pixel tiles (overlap 32, 4 per batch), noise added and
PSNR/SSIM measured in row blocks, so the peak is the image-sized buffers (input, noisy, output
and the float32 planes being blended), not the network's activations.
"""
    section_write("denoise_service", markdown, data)


if __name__ == "__main__":
    main()
