"""Nobody starved: the real services of `make run` under load, measured over HTTP.

    python -m benchmarks.platform_isolation [--runs 15] [--callers 50] [--trickle-seconds 20]

Starts what `make run` starts (aeweb.devserver's programs under its supervisor: a persistent
embedded Redis, a worker per queue, beat, gunicorn with threads), in a throw-away var folder
with SQLite and the shipped gallery weights, then measures:

1. "generate 16" end to end (POST /api/gallery/generate/, poll GET /api/jobs/{id}/ every 20 ms,
   GET /api/gallery/?job=) idle, then while a VAE training runs on the training queue. Target:
   p50 and p95 during training at most 1.5× idle.
2. GET /api/health/ from `--callers` concurrent clients (each looping), and GET /api/ping/ from
   one more client meanwhile, against /api/ping/ alone.
3. GET /api/ping/ while two clients trickle an upload at 1 byte per second. Target: p50 within
   2× of idle.

Rates are raised for the run (one client address sends everything); timings are from the
machine named at the end of the section.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNLIMITED = "1000000/min"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": pct(values, 0.5), "p95": pct(values, 0.95), "max": max(values)}


def environment(var: Path, port: int, redis_port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "AEWEB_VAR_DIR": str(var),
        "PORT": str(port),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "PYTHONUNBUFFERED": "1",
        "AEWEB_SHUTDOWN_GRACE": "5",
        "DJANGO_SETTINGS_MODULE": "aeweb.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    env.setdefault("AEWEB_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    for name in ("ANON", "USER", "GALLERY", "UPLOADS", "HEALTH"):
        env[f"AEWEB_THROTTLE_{name}"] = UNLIMITED
    return env


def http_get(session, url: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = session.get(url, timeout=60)
    return response.status_code, 1000 * (time.perf_counter() - started)


def generate_once(session, base: str, seed: int, count: int = 16) -> float:
    started = time.perf_counter()
    response = session.post(f"{base}/api/gallery/generate/", json={"count": count, "seed": seed}, timeout=60)
    if response.status_code != 202:
        raise SystemExit(f"generate answered {response.status_code}: {response.text[:300]}")
    job_id = response.json()["id"]
    while True:
        job = session.get(f"{base}/api/jobs/{job_id}/", timeout=60).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.02)
    if job["status"] != "succeeded":
        raise SystemExit(f"job {job_id} {job['status']}: {job.get('error')}")
    listed = session.get(f"{base}/api/gallery/?job={job_id}&page_size=64", timeout=60).json()
    if listed["count"] != count:
        raise SystemExit(f"job {job_id} listed {listed['count']} images, not {count}")
    return 1000 * (time.perf_counter() - started)


def ping_series(base: str, seconds: float, stop: threading.Event | None = None) -> list[float]:
    import requests

    session, found = requests.Session(), []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (stop and stop.is_set()):
        code, ms = http_get(session, f"{base}/api/ping/")
        if code == 200:
            found.append(ms)
        time.sleep(0.02)
    return found


def health_under_callers(base: str, callers: int, seconds: float) -> tuple[list[float], list[float], dict]:
    import requests

    health: list[float] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def caller() -> None:
        session = requests.Session()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            code, ms = http_get(session, f"{base}/api/health/")
            with lock:
                health.append(ms)
                codes[code] = codes.get(code, 0) + 1

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # all callers going
    pings = ping_series(base, seconds - 2.0, stop)
    for thread in threads:
        thread.join()
    return health, pings, codes


def trickle(port: int, seconds: float, started: threading.Event) -> None:
    """A client that sends an upload's headers, then its body at 1 byte per second."""
    body_size = 100_000
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        (
            "POST /api/denoise/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {body_size}\r\n\r\n"
        ).encode()
    )
    started.set()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            sock.sendall(b"-")
            time.sleep(1.0)
    except OSError:
        pass  # the server may give up on it: that is fine too
    finally:
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="generate-16 runs idle and during training")
    parser.add_argument("--callers", type=int, default=50, help="concurrent /api/health/ clients")
    parser.add_argument("--seconds", type=float, default=12.0, help="length of the health and ping phases")
    parser.add_argument("--trickle-seconds", type=float, default=20.0)
    args = parser.parse_args()

    from aeweb.embedded_redis import port_free

    var = Path(tempfile.mkdtemp(prefix="aeweb-isolation-"))
    port, redis_port = port_free(), port_free()
    env = environment(var, port, redis_port)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("AEWEB_", "REDIS_URL", "DJANGO_"))})
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.gallery.demo import weights_manifest, weights_register

    entry = next(e for e in weights_manifest() if e["kind"] == "vae" and e["dataset"] == "fashion-mnist")
    weights_register(entry=entry)

    import requests

    from aeweb.devserver import programs, torch_threads
    from aeweb.supervisor import Supervisor
    from apps.core.queues import QUEUE_INTERACTIVE, QUEUE_TRAINING
    from benchmarks.report import section_write

    log = open(var / "services.log", "w")
    supervisor = Supervisor(
        programs(port=port, env=env, var_dir=var, redis_port=redis_port, seed=False, loglevel="WARNING"), out=log
    )
    runner = threading.Thread(target=supervisor.run, kwargs={"install_signals": False})
    runner.start()
    base = f"http://127.0.0.1:{port}"
    results: dict = {"args": vars(args)}
    try:
        session = requests.Session()
        deadline = time.monotonic() + 120
        while True:
            try:
                if session.get(f"{base}/api/health/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or not runner.is_alive():
                raise SystemExit(f"services not ready:\n{(var / 'services.log').read_text()[-3000:]}")
            time.sleep(0.5)

        # 1. generate-16 idle, then during a training run
        generate_once(session, base, seed=0)  # the interactive worker loads the model
        idle = [generate_once(session, base, seed=seed) for seed in range(1, args.runs + 1)]
        from apps.core import services
        from apps.core.models import Job

        config = {"epochs": 200, "train_count": 60000, "test_count": 100, "iwae_k": 0}
        training = services.training_job_start(kind="vae", dataset="fashion-mnist", model="conv", config=config)
        deadline = time.monotonic() + 300
        while Job.objects.get(id=training.id).status != "running":
            if time.monotonic() > deadline:
                raise SystemExit(f"training never got going: {Job.objects.get(id=training.id).error}")
            time.sleep(0.5)
        time.sleep(10.0)  # past loading the data set: epochs under way
        busy = [generate_once(session, base, seed=seed) for seed in range(100, 100 + args.runs)]
        still = Job.objects.get(id=training.id)
        results["training_running_throughout"] = still.status == "running"
        services.job_cancel(job=still)
        results["generate"] = {"idle": summary(idle), "training": summary(busy), "idle_ms": idle, "training_ms": busy}

        # 2. health under concurrent callers, ping meanwhile
        ping_idle = ping_series(base, args.seconds)
        health, ping_busy, codes = health_under_callers(base, args.callers, args.seconds)
        results["health"] = {
            "ping_idle": summary(ping_idle),
            "health": summary(health),
            "ping_during": summary(ping_busy),
            "health_status_codes": codes,
        }

        # 3. ping while two uploads trickle
        started = [threading.Event(), threading.Event()]
        slow = [threading.Thread(target=trickle, args=(port, args.trickle_seconds, s)) for s in started]
        for thread in slow:
            thread.start()
        for event in started:
            event.wait(10)
        time.sleep(1.0)
        ping_trickle = ping_series(base, args.trickle_seconds - 3)
        for thread in slow:
            thread.join()
        results["trickle"] = {"ping_idle": summary(ping_idle), "ping_during": summary(ping_trickle)}
    finally:
        supervisor.request_stop()
        runner.join(120)
        log.close()

    g, h, t = results["generate"], results["health"], results["trickle"]
    ratio50 = g["training"]["p50"] / g["idle"]["p50"]
    ratio95 = g["training"]["p95"] / g["idle"]["p95"]
    trickle_ratio = t["ping_during"]["p50"] / t["ping_idle"]["p50"]
    results["ratios"] = {"generate_p50": ratio50, "generate_p95": ratio95, "trickle_ping_p50": trickle_ratio}

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    markdown = "\n".join(
        [
            "## Platform: queues, health and slow clients (`benchmarks/platform_isolation.py`)",
            "",
            "The services of `make run` (aeweb.devserver under its supervisor: embedded Redis with AOF, one worker per "
            f"queue — interactive with {torch_threads(QUEUE_INTERACTIVE)} torch thread(s), training with "
            f"{torch_threads(QUEUE_TRAINING)} at SCHED_IDLE/nice 19, housekeeping — beat, gunicorn gthread 2 "
            "processes × 8 threads), "
            "SQLite, the shipped Fashion-MNIST conv VAE; clients over HTTP on 127.0.0.1.",
            "",
            '**"Generate 16" end to end**, idle and while a conv-VAE training runs on the training queue (60,000 '
            f"images; still running at the end of the runs: {results['training_running_throughout']}). "
            f"{args.runs} runs each after a warm-up. Target: during training ≤ 1.5× idle.",
            "",
            "| | p50 ms | p95 ms | max ms |",
            "| --- | ---: | ---: | ---: |",
            f"| idle | {g['idle']['p50']:.0f} | {g['idle']['p95']:.0f} | {g['idle']['max']:.0f} |",
            f"| during training | {g['training']['p50']:.0f} | {g['training']['p95']:.0f} | "
            f"{g['training']['max']:.0f} |",
            f"| ratio | {ratio50:.2f}× ({verdict(ratio50 <= 1.5)}) | {ratio95:.2f}× ({verdict(ratio95 <= 1.5)}) | |",
            "",
            f"**Health under {args.callers} concurrent callers** (each calling GET /api/health/ in a loop for "
            f"{args.seconds:.0f} s; answers {h['health_status_codes']}) and GET /api/ping/ from one more client "
            "meanwhile:",
            "",
            "| | n | p50 ms | p95 ms | max ms |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| /api/ping/ alone | {h['ping_idle']['n']} | {h['ping_idle']['p50']:.1f} | {h['ping_idle']['p95']:.1f} | "
            f"{h['ping_idle']['max']:.1f} |",
            f"| /api/health/ ({args.callers} callers) | {h['health']['n']} | {h['health']['p50']:.1f} | "
            f"{h['health']['p95']:.1f} | {h['health']['max']:.1f} |",
            f"| /api/ping/ meanwhile | {h['ping_during']['n']} | {h['ping_during']['p50']:.1f} | "
            f"{h['ping_during']['p95']:.1f} | {h['ping_during']['max']:.1f} |",
            "",
            "**Slow clients**: GET /api/ping/ while two clients trickle an upload to /api/denoise/ at 1 byte/s. "
            "Target: p50 within 2× of idle.",
            "",
            "| | n | p50 ms | p95 ms |",
            "| --- | ---: | ---: | ---: |",
            f"| idle | {t['ping_idle']['n']} | {t['ping_idle']['p50']:.1f} | {t['ping_idle']['p95']:.1f} |",
            f"| 2 uploads trickling | {t['ping_during']['n']} | {t['ping_during']['p50']:.1f} | "
            f"{t['ping_during']['p95']:.1f} |",
            f"| ratio (p50) | | {trickle_ratio:.2f}× ({verdict(trickle_ratio <= 2.0)}) | |",
        ]
    )
    section_write("platform_isolation", markdown, results)
    print(markdown)
    sys.exit(0)


if __name__ == "__main__":
    main()
