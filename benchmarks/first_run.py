"""A new user's first run: how long after `make run` prints its URL does each demo work?

Runs what `make run` runs after pip (migrate, collectstatic, then aeweb.devserver: embedded Redis,
a worker per queue, beat, seed_demo, gunicorn) in a fresh var folder with the real data sets, and polls
the REST API once a second until every demo answers with a model of its own (or the time is up):

| demo | ready when |
| --- | --- |
| recommendations | a fold-in request for five ratings answers with items |
| gallery | `GET /api/gallery/` lists images (seed_demo queues a first generation) |
| denoise (photos and 28×28), inpaint (items, photos), segment, anomaly images, representations | an active model |

The pip install is not in these figures (it depends on the network and the cache: 174 s on a fresh
machine in issue 14); `--venv` says which environment runs it (default: this one's).

    python -m benchmarks.first_run [--timeout 600]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from aeweb.embedded_redis import port_free
from benchmarks.report import section_write

ROOT = Path(__file__).resolve().parent.parent

# (demo, kind, data set, slot): an active version of each means the demo has its model.
MODEL_DEMOS = [
    ("denoise (photos)", "denoiser", "train400", "default"),
    ("denoise (28×28 demo)", "denoiser", "fashion-mnist", "default"),
    ("inpaint (items)", "inpainter", "fashion-mnist", "default"),
    ("inpaint (photos)", "inpainter", "train400", "default"),
    ("segment", "segmenter", "fashionopolis", "default"),
    ("anomaly (images)", "anomaly", "fashion-mnist", "conv"),
    ("representations (first map)", "representation", "fashion-mnist", "pca"),
]
# Star Wars, Empire, Return of the Jedi, Raiders, Terminator in MovieLens 100K.
FOLDIN = {"ratings": [{"item": i, "rating": 5} for i in (50, 172, 181, 174, 195)], "k": 10}


def get_json(url: str, body: dict | None = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except OSError:
        return 0, None


def demos_ready(base: str) -> dict[str, bool]:
    ready: dict[str, bool] = {}
    status, datasets = get_json(f"{base}/api/datasets/")
    slug = next((d["slug"] for d in datasets or [] if d.get("active_model")), None) if status == 200 else None
    if slug:
        status, recs = get_json(f"{base}/api/datasets/{slug}/recommendations/", FOLDIN)
        ready["recommendations"] = status == 200 and bool(recs and recs.get("items"))
    else:
        ready["recommendations"] = False
    status, gallery = get_json(f"{base}/api/gallery/")
    results = gallery.get("results", gallery) if isinstance(gallery, dict) else gallery
    ready["gallery"] = status == 200 and bool(results)
    status, versions = get_json(f"{base}/api/models/")
    versions = versions.get("results", versions) if isinstance(versions, dict) else versions or []
    active = {(v["kind"], v["dataset"], v["slot"]) for v in versions if v.get("is_active")}
    for demo, kind, dataset, slot in MODEL_DEMOS:
        ready[demo] = (kind, dataset, slot) in active
    return ready


def first_run_measure(*, timeout: float, python: str) -> dict:
    port = port_free()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="aeweb-first-run-") as var:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL")}
        env.update(AEWEB_VAR_DIR=var, PORT=str(port), PYTHONUNBUFFERED="1", DJANGO_SUPERUSER_PASSWORD="first-run")
        started = time.monotonic()
        for step in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run([python, "manage.py", *step], cwd=ROOT, env=env, check=True)
        setup_s = time.monotonic() - started
        log = open(Path(var) / "devserver.log", "w+")  # noqa: SIM115 (read back while it runs)
        server = subprocess.Popen(
            [python, "-m", "aeweb.devserver"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            launched = time.monotonic()
            url_s = None
            while url_s is None and time.monotonic() - launched < timeout:
                log.seek(0)
                if "aeweb is running on" in log.read():
                    url_s = time.monotonic() - launched
                elif server.poll() is not None:
                    raise RuntimeError("make run stopped:\n" + Path(log.name).read_text()[-3000:])
                time.sleep(0.2)
            url_at = time.monotonic()
            ready_s: dict[str, float | None] = {}
            while time.monotonic() - url_at < timeout:
                for demo, ok in demos_ready(base).items():
                    if ok and demo not in ready_s:
                        ready_s[demo] = round(time.monotonic() - url_at, 1)
                        print(f"{ready_s[demo]:7.1f} s  {demo}", flush=True)
                if len(ready_s) == len(MODEL_DEMOS) + 2:
                    break
                time.sleep(1.0)
        finally:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
            log.close()
    names = ["recommendations", "gallery"] + [demo for demo, *_ in MODEL_DEMOS]
    return {"setup_s": round(setup_s, 1), "url_s": round(url_s or 0, 1), "timeout_s": timeout,
            "ready_s": {name: ready_s.get(name) for name in names}, "cores": os.cpu_count()}  # fmt: skip


def first_run_markdown(result: dict) -> str:
    rows = "\n".join(
        f"| {name} | {'not within ' + str(int(result['timeout_s'])) + ' s' if s is None else f'{s:.0f} s'} |"
        for name, s in result["ready_s"].items()
    )
    done = [s for s in result["ready_s"].values() if s is not None]
    slowest = f"{max(done):.0f} s" if len(done) == len(result["ready_s"]) else "not all"
    return (
        "## First run (`make run` on a fresh var folder)\n\n"
        f"migrate + collectstatic: {result['setup_s']:.0f} s; `make run` to its URL (workers, seed_demo, web): "
        f"{result['url_s']:.0f} s; every demo working: {slowest} after the URL "
        f"({result['cores']} CPU cores, pip not included). `python -m benchmarks.first_run`.\n\n"
        "| demo | working after the URL |\n| --- | --- |\n" + rows + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for each stage")
    parser.add_argument("--venv", default=sys.executable, help="the Python that runs the app")
    args = parser.parse_args()
    result = first_run_measure(timeout=args.timeout, python=args.venv)
    print(json.dumps(result, indent=2))
    section_write("first_run", first_run_markdown(result), result)


if __name__ == "__main__":
    main()
