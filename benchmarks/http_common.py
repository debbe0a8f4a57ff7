"""Shared pieces of the benchmarks that time the web over HTTP (recommender_serving, representations_web).

Not a benchmark itself: `manage` runs a management command in a fresh process against the
benchmark's own settings, `requests_timed` sends requests in turn over one keep-alive connection
and times each, `latency_summary` reduces the times to the percentiles the reports print.
"""

from __future__ import annotations

import http.client
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (method, path, body) with a JSON body, or (method, path, body, content type).
Request = tuple[str, str, bytes | None] | tuple[str, str, bytes | None, str]


def manage(*args: str, env: dict) -> str:
    out = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return out.stdout


def requests_timed(port: int, requests: Sequence[Request]) -> list[float]:
    """Seconds of each request, sent one after another; any answer but 200 stops the benchmark."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    for method, path, body, *rest in requests:
        content_type = rest[0] if rest else "application/json"
        headers = {"Content-Type": content_type} if body is not None else {}
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        times.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"{method} {path} → {response.status}: {payload[:300]!r}")
    conn.close()
    return times


def latency_summary(times: Sequence[float]) -> dict:
    ordered = sorted(times)
    last = len(ordered) - 1
    return {
        "p50_ms": 1000 * statistics.median(ordered),
        "p95_ms": 1000 * ordered[int(0.95 * last)],
        "p99_ms": 1000 * ordered[int(0.99 * last)],
        "mean_ms": 1000 * statistics.fmean(ordered),
        "requests": len(ordered),
    }


def gunicorn_start(port: int, *, workers: int, env: dict, tries: int = 150) -> subprocess.Popen:
    """gunicorn serving the project on 127.0.0.1:`port`, returned once /api/ping/ answers; the caller terminates it."""
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "aeweb.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(tries):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/ping/")
            conn.getresponse().read()
            conn.close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"gunicorn did not answer on port {port}")
