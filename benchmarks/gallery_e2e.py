"""End-to-end time of "generate 16" with a warm worker: the request, the queue, the worker, the PNGs listed.

    python -m aeweb.embedded_redis -- python -m benchmarks.gallery_e2e [--runs 9] [--count 16]

Runs in a throw-away var folder (SQLite, artifacts, media) with one real Celery worker
(prefork, concurrency 1) on the real Redis broker, as `make run` does. The model is the shipped
Fashion-MNIST conv VAE when apps/gallery/weights/ has one; otherwise the gallery's default conv
architecture trained for one epoch on 2,000 images in this run (generation speed depends on the
architecture, not on how well it is trained). Each run: POST /api/gallery/generate/ (new seed),
poll GET /api/jobs/{id}/ every 10 ms until it succeeds, then GET /api/gallery/?job= must list
the 16 images. The first run loads the model into the worker and is reported apart; the
median of the rest is the figure. Django's test client plays the browser (no HTTP server), so
the figure is the app's own latency without network or web-server overhead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_environment() -> Path:
    var = Path(tempfile.mkdtemp(prefix="aeweb-gallery-e2e-"))
    os.environ["AEWEB_VAR_DIR"] = str(var)
    os.environ.pop("DATABASE_URL", None)  # a fresh SQLite database in the var folder
    os.environ.setdefault("AEWEB_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeweb.settings")
    os.environ.setdefault("AEWEB_THROTTLE_GALLERY", "10000/min")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return var


def model_prepare() -> tuple[object, str]:
    from apps.core import services as core_services
    from apps.core.runner import job_execute
    from apps.gallery.demo import weights_manifest, weights_register

    for entry in weights_manifest():
        if entry["kind"] == "vae" and entry["dataset"] == "fashion-mnist":
            version, _ = weights_register(entry=entry)
            return version, f"shipped weights {entry['file']}"
    config = {"epochs": 1, "train_count": 2000, "test_count": 200, "iwae_k": 5}
    job = core_services.training_job_start(
        kind="vae", dataset="fashion-mnist", model="conv", config=config, enqueue=False
    )
    job = job_execute(job_id=job.id)
    if job.status != "succeeded":
        raise SystemExit(f"training failed: {job.error}")
    from apps.core.models import ModelVersion

    version = ModelVersion.objects.get(id=job.result["model_version"])
    return version, "default conv VAE (width 32, hidden 256, latent 16) trained 1 epoch on 2,000 images in this run"


def worker_start(log: Path) -> subprocess.Popen:
    from aeweb.celery import app

    name = f"bench-{os.getpid()}"
    command = [sys.executable, "-m", "celery", "-A", "aeweb", "worker", "-Q", "default,gpu", "-c", "1",
               "-P", "prefork", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
               "--loglevel", "WARNING"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(name in next(iter(r)) for r in app.control.ping(timeout=0.5) or []):
            return proc
    raise SystemExit(f"worker not ready:\n{log.read_text()[-2000:]}")


def one_request(client, count: int, seed: int) -> dict:
    started = time.perf_counter()
    response = client.post("/api/gallery/generate/", {"count": count, "seed": seed}, content_type="application/json")
    if response.status_code != 202:
        raise SystemExit(f"generate answered {response.status_code}: {response.content[:300]}")
    accepted = time.perf_counter()
    job_id = response.json()["id"]
    while True:
        job = client.get(f"/api/jobs/{job_id}/").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.01)
    if job["status"] != "succeeded":
        raise SystemExit(f"job {job_id} {job['status']}: {job['error']}")
    listed = client.get(f"/api/gallery/?job={job_id}&page_size=64").json()
    if listed["count"] != count:
        raise SystemExit(f"job {job_id} listed {listed['count']} images, not {count}")
    done = time.perf_counter()
    from apps.core.models import Job

    row = Job.objects.get(id=job_id)
    return {
        "total_ms": 1000 * (done - started),
        "accept_ms": 1000 * (accepted - started),
        "queue_wait_ms": 1000 * (row.started_at - row.created_at).total_seconds(),
        "worker_ms": 1000 * (row.finished_at - row.started_at).total_seconds(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs after the warm-up")
    parser.add_argument("--count", type=int, default=16)
    args = parser.parse_args()
    var = setup_environment()
    from django.test import Client

    from benchmarks.report import section_write

    version, model_note = model_prepare()
    worker = worker_start(var / "worker.log")
    try:
        client = Client()
        warm = one_request(client, args.count, seed=0)
        runs = [one_request(client, args.count, seed=seed) for seed in range(1, args.runs + 1)]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    totals = sorted(r["total_ms"] for r in runs)
    markdown = "\n".join(
        [
            '## Gallery: end-to-end "generate 16" (`benchmarks/gallery_e2e.py`)',
            "",
            f"POST /api/gallery/generate/ with count={args.count} → job on a warm Celery worker (prefork, "
            "concurrency 1, real Redis) → PNGs written and rows stored → listed by GET /api/gallery/?job=. "
            f"Model: {model_note}. Median of {len(runs)} runs after one warm-up run; Django test client "
            "(no HTTP server), job status polled every 10 ms.",
            "",
            "| figure | median ms | min ms | max ms |",
            "| --- | ---: | ---: | ---: |",
            f"| request → {args.count} PNGs listed | {median['total_ms']:.0f} | {totals[0]:.0f} | {totals[-1]:.0f} |",
            f"| POST answered (202) | {median['accept_ms']:.1f} | | |",
            f"| job queued → picked up by the worker | {median['queue_wait_ms']:.0f} | | |",
            f"| worker: load check, sample, encode, store {args.count} PNGs | {median['worker_ms']:.0f} | | |",
            f"| first request (worker loads the model) | {warm['total_ms']:.0f} | | |",
        ]
    )
    section_write(
        "gallery_e2e",
        markdown,
        {
            "args": vars(args),
            "model": model_note,
            "model_version": version.id,
            "warmup": warm,
            "runs": runs,
            "median": median,
        },  # fmt: skip
    )
    print(markdown)


if __name__ == "__main__":
    main()
